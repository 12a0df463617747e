"""What the issuer is asked to issue, by the kind of issuer configured.

- No `CRED_DEF`: a W3C credential (issue-credential 2.0, `ld_proof`) signed by a
  did:key of the issuer. It needs no ledger, and uses only JSON-LD contexts ACA-Py
  bundles (credentials v1, citizenship v1), since any other is fetched from the web.
- `CRED_DEF` with `IS_ANONCREDS`: issue-credential 2.0, `anoncreds` format.
- `CRED_DEF` with `ISSUER_TYPE=acapy_v2`: issue-credential 2.0, `indy` format.
- `CRED_DEF` otherwise: issue-credential 1.0, as the tool we replace sent it.

The Indy and AnonCreds formats need an issuer with a ledger and a registered
schema and credential definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COMMENT = "mediator-tui load test"
W3C_CONTEXTS = ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/citizenship/v1"]
# Credo refuses a credential whose proof purpose its request did not name.
LD_PROOF_OPTIONS = {"proofType": "Ed25519Signature2018", "proofPurpose": "assertionMethod"}
W3C_SUBJECT = {
    "type": ["PermanentResident"],
    "givenName": "ALICE",
    "familyName": "SMITH",
    "gender": "Female",
    "birthCountry": "Bahamas",
    "birthDate": "1958-07-17",
}


@dataclass(frozen=True)
class CredentialRequest:
    format: str  # ld_proof, anoncreds, indy, indy-v1
    path: str
    template: dict = field(default_factory=dict)

    def body(self, connection_id: str) -> dict:
        return {**self.template, "connection_id": connection_id}

    @property
    def revocation_path(self) -> str:
        return "/anoncreds/revocation/revoke" if self.format == "anoncreds" else "/revocation/revoke"

    def revocation_body(self, sent: dict) -> dict:
        """What revokes the credential whose issuance answered `sent`.

        Only Indy and AnonCreds credentials (with a revocable credential definition) can be revoked.
        """
        if self.format == "ld_proof":
            raise ValueError(
                "revocation needs an Indy or AnonCreds credential: set CRED_DEF and SCHEMA "
                "(a credential definition with revocation support)"
            )
        exchange_id = sent.get("credential_exchange_id") if self.format == "indy-v1" else sent.get("cred_ex_id")
        return {
            "cred_ex_id": exchange_id,
            "connection_id": sent.get("connection_id"),
            "comment": COMMENT,
            "notify": True,
            "notify_version": "v1_0",
            "publish": True,
        }


def w3c_request(issuer_did: str) -> CredentialRequest:
    credential = {
        "@context": W3C_CONTEXTS,
        "type": ["VerifiableCredential", "PermanentResidentCard"],
        "issuer": issuer_did,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": W3C_SUBJECT,
    }
    return CredentialRequest(
        "ld_proof",
        "/issue-credential-2.0/send",
        {
            "auto_remove": True,
            "comment": COMMENT,
            "filter": {"ld_proof": {"credential": credential, "options": LD_PROOF_OPTIONS}},
        },
    )


def ledger_request(
    cred_def: str, schema: str, attributes: list, issuer_type: str, is_anoncreds: bool
) -> CredentialRequest:
    """Indy/AnonCreds issuance for an issuer with a ledger (ids as `DID:3:CL:...` and `DID:2:name:version`)."""
    schema_parts = schema.split(":")
    if len(schema_parts) != 4:
        raise ValueError(f"SCHEMA {schema!r} is not an Indy schema id (DID:2:name:version)")
    schema_did, _, schema_name, schema_version = schema_parts
    issuer_did = cred_def.split(":")[0]
    if is_anoncreds or issuer_type == "acapy_v2":
        preview = {"@type": "issue-credential/2.0/credential-preview", "attributes": attributes}
        if is_anoncreds:
            fmt, spec = "anoncreds", {"cred_def_id": cred_def, "schema_id": schema, "issuer_id": issuer_did}
        else:
            fmt, spec = (
                "indy",
                {
                    "cred_def_id": cred_def,
                    "schema_id": schema,
                    "issuer_did": issuer_did,
                    "schema_issuer_did": schema_did,
                    "schema_name": schema_name,
                    "schema_version": schema_version,
                },
            )
        return CredentialRequest(
            fmt,
            "/issue-credential-2.0/send",
            {"auto_remove": True, "comment": COMMENT, "credential_preview": preview, "filter": {fmt: spec}},
        )
    return CredentialRequest(
        "indy-v1",
        "/issue-credential/send",
        {
            "auto_remove": True,
            "comment": COMMENT,
            "cred_def_id": cred_def,
            "credential_proposal": {"@type": "issue-credential/1.0/credential-preview", "attributes": attributes},
            "issuer_did": issuer_did,
            "schema_id": schema,
            "schema_issuer_did": schema_did,
            "schema_name": schema_name,
            "schema_version": schema_version,
        },
    )
