"""待办: everything the user must act on, most urgent first, each linking to where it is done."""

from ui.common import header, show_flash
from ui.context import actor
from ui.inbox import views

me = actor()
header("page.inbox")
show_flash()
views.inbox_view(me)
