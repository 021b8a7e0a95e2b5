"""Topic switches: does a question asked after an exchange about something else
get the answer it gets alone? (``python -m evals.switches [dev|test]``)

Every standalone answerable question of the split is asked once more after
one exchange (a question of another topic of the same split, and careerbot's
answer to it), chosen with a fixed seed. Visitors do this all the time ("ok
and is it true you need a PhD?"), and a question read with the last turn is
answered about the last turn. Prints right passage cited and answer_hit with
and without the exchange, and the same for the split's real follow-ups, which
must still be read with theirs.
"""

from __future__ import annotations

import random
import sys

from evals.suite import aggregate, load_items, score_item

SEED = 7


def switched(items: list[dict], answer) -> list[dict]:
    """Each standalone answerable item with an exchange on another topic before it;
    ``answer(question)`` gives the assistant's reply."""
    alone = [i for i in items if i["answerable"] and not i.get("history")]
    rng = random.Random(SEED)
    replies: dict[str, str] = {}
    out = []
    for item in alone:
        other = rng.choice([x for x in alone if x["topic"] != item["topic"]])
        if other["id"] not in replies:
            replies[other["id"]] = answer(other["question"])
        out.append(dict(item, history=[{"role": "user", "content": other["question"]},
                                       {"role": "assistant", "content": replies[other["id"]]}]))
    return out


def _figures(rows) -> str:
    m = aggregate(rows)
    return (f"n {len(rows)}, right passage cited {m['right_passage_cited']:.3f}, "
            f"answer_hit {m['answer_hit']:.3f}")


def main(split: str = "dev") -> None:
    from chat.chain import Chain
    from core.config import Settings

    chain = Chain(Settings())
    items = load_items(split=split)
    after = switched(items, lambda q: chain.ask(q).answer)
    alone = [{k: v for k, v in i.items() if k != "history"} for i in after]
    print("alone:            ", _figures([score_item(chain, i) for i in alone]))
    print("after a switch:   ", _figures([score_item(chain, i) for i in after]))
    follow_ups = [i for i in items if i.get("history") and i["answerable"]]
    print("real follow-ups:  ", _figures([score_item(chain, i) for i in follow_ups]))


if __name__ == "__main__":
    main(*sys.argv[1:2])
