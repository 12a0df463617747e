"""The master's side of `mediator-tui worker`: it answers a joining worker with the run's settings.

Imported by every scenario through the base user, so any master running our scenarios answers. The
settings are the master's own (its `.env` and environment, as its scenarios read them); only those
that travel are sent (mediator_tui/core/config/travelling.py), secrets never.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from locust import events
from locust.runners import MasterRunner

import mediator_tui
from mediator_tui.contracts.worker_join import JOIN_MESSAGE, read_join_request
from mediator_tui.core.config import load_config
from mediator_tui.core.config.travelling import join_reply

logger = logging.getLogger(__name__)


@events.init.add_listener
def _on_init(environment: Any, runner: Any = None, **_kwargs: Any) -> None:
    if isinstance(runner, MasterRunner):
        runner.register_message(JOIN_MESSAGE, partial(_answer, runner))


def _answer(runner: MasterRunner, environment: Any, msg: Any) -> None:
    _forget_worker_index(runner, msg.node_id)
    reply = join_reply(read_join_request(msg.data), load_config(strict=False).raw, mediator_tui.__version__)
    if reply.refused:
        logger.warning(reply.refused)
    else:
        logger.info(f"a worker host joins ({msg.node_id}): {len(reply.settings)} settings sent")
    runner.send_message(JOIN_MESSAGE, reply.to_json(), client_id=msg.node_id)


def _forget_worker_index(runner: MasterRunner, node_id: str) -> None:
    """The master gives every sender of a custom message a worker index as it logs it (`get_worker_index` in
    locust/runners.py); the joining client is no worker, so its index goes back for the next real one."""
    if runner.worker_indexes.get(node_id) == runner.worker_index_max - 1:
        del runner.worker_indexes[node_id]
        runner.worker_index_max -= 1
