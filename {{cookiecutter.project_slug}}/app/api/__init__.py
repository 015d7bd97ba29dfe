"""The HTTP layer: routes, and the dependencies that wire services into them."""
