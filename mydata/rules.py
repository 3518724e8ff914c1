"""Who may handle personal-data requests made at the desk: district administrators."""

import rules

from proposals.rules import is_administrator

rules.add_perm("mydata.handle_desk_request", is_administrator)
