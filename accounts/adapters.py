from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Sign-ups are residents; roles are granted later by administrators."""

    def populate_username(self, request, user):
        # There is no username: the e-mail address is the login.
        return None
