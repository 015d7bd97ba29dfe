"""A mail that a use case asks for: who gets it, which template, and what fills it in.

Services hand one to `uow.mails.enqueue(...)` inside their unit of work; the background jobs
render and send it after the commit (app/jobs, docs/operations.md).
"""

from pydantic import BaseModel, ConfigDict, EmailStr, Field

# What a template may be given: values that survive JSON as they are. The HTML part
# escapes each one; keep single-use links and other secrets to what the mail needs.
ContextValue = str | int | float | bool | None


class Recipient(BaseModel):
    """Who gets a mail: an address and, shown beside it, a name (CR/LF in it is mere text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    email: EmailStr
    name: str = Field(default="", max_length=200)


class Mail(BaseModel):
    """One message to one recipient, from `app/templates/mail/<template>.*`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    to: Recipient
    # The name of the template's files, so never a path.
    template: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=100)
    context: dict[str, ContextValue] = Field(default_factory=dict)
