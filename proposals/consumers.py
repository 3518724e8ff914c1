"""Sockets that keep proposal pages current: one proposal's page, and the list of proposals."""

from channels.db import database_sync_to_async

from livinglab.live import PROPOSAL_LIST_GROUP, LiveConsumer, proposal_group, render_for

from .models import Proposal


@database_sync_to_async
def _is_visible(pk: int) -> bool:
    return Proposal.objects.visible().filter(pk=pk).exists()


class ProposalConsumer(LiveConsumer):
    """Anyone reading a proposal gets its vote count, new or hidden comments, status changes and assessments."""

    async def live_groups(self):
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await _is_visible(pk):
            return None
        return [proposal_group(pk)]


class ProposalListConsumer(LiveConsumer):
    """Anyone on the list sees "N new proposals" and the vote counts of the cards they have in view."""

    async def live_groups(self):
        self.new_proposals = 0
        return [PROPOSAL_LIST_GROUP]

    async def live_new_proposal(self, event):
        # Each socket counts the proposals filed since its page was rendered, so the number is its own.
        self.new_proposals += 1
        html = render_for(self.language, "proposals/live/new_proposals.html", {"count": self.new_proposals})
        await self.send(text_data=html)
