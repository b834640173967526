"""Load (bounded, loopback only): 50 chats x 5 messages at once through the gateway to the real
assistant. Every message is answered, in order, and no chat gets another chat's answer."""
import re
import statistics
import time

from knowledge import default_knowledge

CHATS = 50
PER_CHAT = 5


def test_50_chats_x_5_messages_all_answered_in_order_without_cross_talk(telegram, new_chat):
    fake = telegram.fake
    # 91 names of countries and organisations; within a chat and within a round all differ, so a
    # reply delivered to the wrong chat or out of order names the wrong one.
    entries = sorted((e for e in default_knowledge().entries()
                      if e.kind in ("member_country", "observer", "non_member")), key=lambda e: e.id)
    assert len(entries) > CHATS
    chats = [new_chat() for _ in range(CHATS)]
    expected = {chat: [entries[(i + 11 * j) % len(entries)].name("en") for j in range(PER_CHAT)]
                for i, chat in enumerate(chats)}

    cpu_before = telegram.gateway.cpu_seconds()
    started = time.monotonic()
    sent_at = {}
    for j in range(PER_CHAT):
        for chat in chats:
            fake.send_text(chat, f"Is {expected[chat][j]} a member country?", "en")
            sent_at[(chat, j)] = time.monotonic()
    fake.wait_until(lambda: all(len(fake.shown_to(chat)) >= PER_CHAT for chat in chats), 240,
                    "every chat to get its answers")
    elapsed = time.monotonic() - started
    gateway_cpu = telegram.gateway.cpu_seconds() - cpu_before
    time.sleep(1)

    latencies = []
    for chat in chats:
        shown = fake.shown_to(chat)
        assert len(shown) == PER_CHAT, [m.text for m in shown]             # nothing extra, nothing lost
        for j, (message, name) in enumerate(zip(shown, expected[chat])):
            assert re.match(rf"^(Yes|No), {re.escape(name)} is", message.text), (chat, j, message.text)
            latencies.append(message.seen - sent_at[(chat, j)])
    total = CHATS * PER_CHAT
    print(f"\n[load] {total} messages from {CHATS} chats answered in {elapsed:.1f} s = "
          f"{total / elapsed:.1f} msg/s; latency median {statistics.median(latencies):.1f} s, "
          f"max {max(latencies):.1f} s; gateway CPU {1000 * gateway_cpu / total:.1f} ms per message")
