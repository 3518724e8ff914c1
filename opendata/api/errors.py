"""The API's one way to refuse: ``ApiError`` carries the status and a translated message."""


class ApiError(Exception):
    def __init__(self, message, *, status: int = 400):
        super().__init__(message)
        self.message = str(message)
        self.status = status
