"""Who may run the desks from the admin, declared once.

Desk staff themselves are checked by ``desk.services.centre_of`` (a role and a centre). What is declared here
is the district administrators' side: the centres themselves, appointing staff at a centre, and the
inclusion dashboard with its population figures. Ask through ``proposals.rules.can``.
"""

import rules

from proposals.rules import is_administrator

# Add a community centre and edit its name, dong and address (the admin's "Centres" listing). Never deleted
# there: residents, staff and paper forms point at it. Desk staff and experts only see their centre's name.
rules.add_perm("desk.manage_centres", is_administrator)
# Make someone desk staff at a centre, move them to another, or end their appointment (the admin's
# "Desk staff" listing, ``desk.viewsets``).
rules.add_perm("desk.appoint_staff", is_administrator)
# See who is missing (``desk:inclusion``) and set the population figures it compares against.
rules.add_perm("desk.manage_inclusion", is_administrator)
