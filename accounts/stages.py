"""allauth login stages of our own: every account proves one channel (e-mail or phone) before it signs in."""

from allauth.account import app_settings
from allauth.account.stages import EmailVerificationStage


class VerifiedChannelStage(EmailVerificationStage):
    """allauth's e-mail verification stage, mandatory for accounts that depend on their e-mail address.

    allauth's "mandatory" verification assumes every account has an e-mail address, which residents signing up
    by phone do not. So the setting is "optional", and this stage makes it mandatory again for an account with
    an e-mail address and no verified phone: such a person confirms their address before signing in, exactly as
    before phones were allowed. An account whose phone is verified passed allauth's phone verification stage,
    which runs first.
    """

    def handle(self):
        login = self.login
        user = login.user
        # No user but an address: a sign-up with a taken address, answered as if it were new (enumeration
        # prevention); "mandatory" sends the "you already have an account" mail and shows "check your inbox".
        depends_on_email = user.email and not user.phone_verified if user is not None else bool(login.email)
        if login.email_verification == app_settings.EmailVerificationMethod.OPTIONAL and depends_on_email:
            login.email_verification = app_settings.EmailVerificationMethod.MANDATORY
        return super().handle()
