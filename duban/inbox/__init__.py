"""The to-do inbox (待办): what each user must act on, from every capability, each item
linking to the place where it is done, ordered by urgency."""
