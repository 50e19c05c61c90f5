"""Uses the Python client generated from the OpenAPI document against a running simulator:
lists the conversations of its website, sends a message into the first one, and reads it back."""

import base64
import sys

from crisp_rest_client import AuthenticatedClient
from crisp_rest_client.api.website_conversation import get_messages_in_conversation, send_message_in_conversation
from crisp_rest_client.api.website_conversations import list_conversations
from crisp_rest_client.models import ConversationMessageNew


def main(base_url: str, identifier: str, key: str) -> None:
    token = base64.b64encode(f"{identifier}:{key}".encode()).decode()
    client = AuthenticatedClient(base_url=base_url, token=token, prefix="Basic", raise_on_unexpected_status=True)
    with client as client:
        website_id = "8c842203-7ed8-4e29-a608-7cf78a7d2fcc"
        listed = list_conversations.sync_detailed(website_id, 1, client=client)
        assert listed.status_code == 200, listed.content
        conversations = listed.parsed.data
        assert conversations, "the simulator starts with one conversation"
        session_id = conversations[0].session_id
        print(f"listed {len(conversations)} conversation(s); the first is {session_id}")

        message = ConversationMessageNew.from_dict(
            {"type": "text", "from": "operator", "origin": "chat", "content": "Hello from Python"}
        )
        sent = send_message_in_conversation.sync_detailed(website_id, session_id, client=client, body=message)
        assert sent.status_code == 200, sent.content
        fingerprint = sent.parsed.data.fingerprint
        print(f"sent a message, fingerprint {fingerprint}")

        read = get_messages_in_conversation.sync_detailed(website_id, session_id, client=client)
        assert read.status_code == 200, read.content
        contents = [m.content for m in read.parsed.data]
        assert "Hello from Python" in contents, contents
        print(f"read it back among {len(contents)} message(s)")


if __name__ == "__main__":
    main(*sys.argv[1:4])
