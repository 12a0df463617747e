"""Scenarios where the issuer talks to each agent over a DIDComm connection of their own.

Every (re)started agent first accepts a fresh invitation from the issuer
(`receive_invitation`); its tasks then time a basic message (`receive_message`) or a
credential (`receive_credential`, stopped when the agent has stored it) from the
issuer's admin call to its arrival; the revoke scenarios then revoke that credential.
A basic message carries a nonce, and only the one the task sent counts as its arrival; the delivery
ledger (`mediator_tui.locust_support.delivery_ledger`) follows each.
"""

from __future__ import annotations

from locust import task

from mediator_tui.agents.interface import Agent
from mediator_tui.locust_support.agent_user import AgentUser
from mediator_tui.locust_support.credentials import CredentialRequest
from mediator_tui.locust_support.issuance import credential_request


class IssuerConnectedUser(AgentUser):
    abstract = True

    def prepare(self, agents: list[Agent]) -> None:
        self.issuer_connection = self.connect_to_issuer(agents[0])[1]


class IssuerMessageUser(IssuerConnectedUser):
    abstract = True

    @task
    def receive_message(self) -> None:
        agent = self.agent  # first: a (re)started agent gets its connection here
        self.send_tracked(
            "receive_message",
            self.issuer_connection,
            agent,
            lambda content: self.admin().send_message(self.issuer_connection, content),
        )


class IssuingUser(IssuerConnectedUser):
    abstract = True

    def issue(self) -> tuple[CredentialRequest, dict]:
        """One credential, offered by the issuer and stored by the agent; (request, the issuer's answer)."""
        agent = self.agent
        admin = self.admin()
        request = credential_request(admin, self.settings)
        sent = {}
        self.delivery(
            "receive_credential",
            agent.receive_credential,
            lambda: sent.update(admin.offer_credential(request, self.issuer_connection)),
        )
        return request, sent


class IssuerCredentialUser(IssuingUser):
    abstract = True

    @task
    def receive_credential(self) -> None:
        self.issue()


class IssuerRevokeUser(IssuingUser):
    abstract = True

    @task
    def receive_and_revoke_credential(self) -> None:
        request, sent = self.issue()
        self.admin().revoke_credential(request, sent)
