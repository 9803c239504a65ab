"""Every Chinese sentence the product says in WeChat, one module per audience.

- ``models.wording.members``: what members read in their groups (acknowledgements, status and
  next step, my wishes, the resource list, help, holding replies, the 圆梦 announcement, the
  monthly 圆梦榜, the grey-zone question).
- ``models.wording.staff``: what staff read (command replies, staff help, scope and workflow
  refusals, reminders, escalations, the daily digest).

The labels of codes (statuses, categories …) are not here but in ``models.enums``. This package
is pure: no database, no SQLModel, no network; the bot process imports it as well as the API.
"""
