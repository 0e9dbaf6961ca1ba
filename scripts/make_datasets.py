#!/usr/bin/env python3
"""Writes the small data sets the recipes ship, under recipes/data/ (JSON Lines, UTF-8).

Deterministic (a fixed seed per set, Python's own `random.Random`) and standard library only, so
running it again gives the same bytes. Every answer is computed, so each row is exactly right:

  list-string-tasks.jsonl  alpaca   list and string manipulation with exact answers (~2000 rows)
  code-gen.jsonl           alpaca   instruction -> short Python function; some inputs "Not applicable"
  summarize.jsonl          prompt/completion   short report -> one-line summary
  qa.jsonl                 question/context/answer  (map with instruction=question,input=context,output=answer)
  chat.jsonl               messages  multi-turn conversations, some with a system message

Usage: python3 scripts/make_datasets.py [output_dir]   (default: recipes/data next to this script's repo)
"""
import json
import pathlib
import random
import sys

WORDS = """apple river planet garden window silver orange pencil rocket forest button candle marble
castle dragon ladder mirror pepper rabbit saddle tunnel violin wallet yellow anchor bridge cactus
desert engine falcon glacier harbor island jacket kettle lemon magnet needle ocean paddle quartz
rainbow shadow tiger umbrella valley walnut zebra bakery cotton dinner feather guitar helmet insect
jungle kitten lizard meadow napkin pillow rocket sunset thunder velvet winter breeze canyon dolphin
echo fabric goblet hammer icicle jigsaw kayak lantern mango nectar oyster parrot quiver raven
spider teapot unicorn vortex willow yogurt alpine beacon cobalt dynamo ember frost granite hollow
ivory juniper kernel lotus mosaic nimbus orbit prism quill ripple summit timber ultra vapor wander""".split()
COLORS = "red blue green yellow purple orange black white pink brown gray teal".split()
NAMES = """Ada Bruno Chen Dara Elif Farid Greta Hiro Ines Jonas Kemal Lena Mira Nils Omar Priya Quinn
Rosa Sami Tariq Uma Vera Wen Yusuf Zara Arjun Bea Caio Dmitri Esme""".split()
CITIES = """Lisbon Oslo Nairobi Quito Hanoi Tbilisi Lima Dakar Porto Bergen Accra Cusco Hue Batumi
Mombasa Tromso Arequipa Kumasi Zagreb Tartu""".split()
JOBS = "chemist pilot baker architect nurse teacher geologist carpenter librarian translator".split()
SUBJECTS = "chemistry history music physics biology painting law economics geography medicine".split()


def numbers(rng, lo=1, hi=99, n=None):
    return [rng.randint(lo, hi) for _ in range(n or rng.randint(3, 7))]


def list_string_row(rng):
    """One alpaca row of a randomly chosen list or string task."""
    word = rng.choice(WORDS)
    kind = rng.randrange(16)
    if kind == 0:
        return "Reverse the letters of the word.", word, word[::-1]
    if kind == 1:
        xs = numbers(rng)
        return "Sort the numbers in ascending order.", " ".join(map(str, xs)), " ".join(map(str, sorted(xs)))
    if kind == 2:
        xs = numbers(rng)
        return ("Sort the numbers in descending order.", " ".join(map(str, xs)),
                " ".join(map(str, sorted(xs, reverse=True))))
    if kind == 3:
        letter = rng.choice(sorted(set(word)) + ["e", "a"])
        return f"Count how many times the letter '{letter}' appears in the word.", word, str(word.count(letter))
    if kind == 4:
        phrase = " ".join(rng.sample(WORDS, rng.randint(2, 4)))
        return "Convert the text to uppercase.", phrase, phrase.upper()
    if kind == 5:
        phrase = " ".join(w.upper() if rng.random() < 0.5 else w.capitalize() for w in rng.sample(WORDS, 3))
        return "Convert the text to lowercase.", phrase, phrase.lower()
    if kind == 6:
        items = rng.sample(COLORS, rng.randint(3, 6))
        return "Give the last item of the list.", ", ".join(items), items[-1]
    if kind == 7:
        items = rng.sample(COLORS, rng.randint(3, 6))
        return "Give the first item of the list.", ", ".join(items), items[0]
    if kind == 8:
        items = rng.sample(WORDS, rng.randint(2, 9))
        return "How many items are in the list?", ", ".join(items), str(len(items))
    if kind == 9:
        xs = numbers(rng, 1, 50, rng.randint(2, 5))
        return "Add up the numbers.", " ".join(map(str, xs)), str(sum(xs))
    if kind == 10:
        xs = numbers(rng)
        return "What is the largest number in the list?", " ".join(map(str, xs)), str(max(xs))
    if kind == 11:
        xs = numbers(rng)
        return "What is the smallest number in the list?", " ".join(map(str, xs)), str(min(xs))
    if kind == 12:
        base = rng.sample(COLORS, rng.randint(2, 4))
        items = base + [rng.choice(base) for _ in range(rng.randint(1, 3))]
        rng.shuffle(items)
        seen = list(dict.fromkeys(items))
        return "Remove the duplicates from the list, keeping the first occurrence of each item.", \
            ", ".join(items), ", ".join(seen)
    if kind == 13:
        items = rng.sample(WORDS, rng.randint(2, 5))
        return "Join the words with hyphens.", " ".join(items), "-".join(items)
    if kind == 14:
        items = rng.sample(WORDS, rng.randint(3, 6))
        return "Reverse the order of the items in the list.", ", ".join(items), ", ".join(reversed(items))
    phrase = " ".join(rng.sample(WORDS, rng.randint(2, 4)))
    return "Count the vowels (a, e, i, o, u) in the text.", phrase, str(sum(ch in "aeiou" for ch in phrase))


def list_string_tasks():
    rng = random.Random(1001)
    rows, seen = [], set()
    while len(rows) < 2000:
        instruction, inp, out = list_string_row(rng)
        if (instruction, inp) in seen:
            continue
        seen.add((instruction, inp))
        rows.append({"instruction": instruction, "input": inp, "output": out})
    return rows


# (description, name choices, params, body, example-args) for short Python functions.
FUNCTIONS = [
    ("returns the sum of two numbers", ["add", "plus", "total"], "a, b", "return a + b", "(2, 3) -> 5"),
    ("returns the difference of two numbers", ["subtract", "minus", "diff"], "a, b", "return a - b", "(7, 4) -> 3"),
    ("returns the product of two numbers", ["multiply", "times", "product"], "a, b", "return a * b", "(3, 4) -> 12"),
    ("returns the larger of two numbers", ["larger", "bigger", "max2"], "a, b", "return a if a > b else b", "(3, 9) -> 9"),
    ("returns a string reversed", ["reverse", "reversed_text", "backwards"], "s", "return s[::-1]", "('abc') -> 'cba'"),
    ("returns a string in uppercase", ["shout", "to_upper", "upper_case"], "s", "return s.upper()", "('hi') -> 'HI'"),
    ("tells whether a string is a palindrome", ["is_palindrome", "palindrome", "reads_same"], "s",
     "return s == s[::-1]", "('level') -> True"),
    ("returns the sum of a list of numbers", ["sum_list", "list_total", "add_all"], "xs",
     "total = 0\n    for x in xs:\n        total += x\n    return total", "([1, 2, 3]) -> 6"),
    ("returns the even numbers of a list", ["evens", "keep_even", "even_numbers"], "xs",
     "return [x for x in xs if x % 2 == 0]", "([1, 2, 3, 4]) -> [2, 4]"),
    ("returns the squares of a list of numbers", ["squares", "square_all", "squared"], "xs",
     "return [x * x for x in xs]", "([1, 2, 3]) -> [1, 4, 9]"),
    ("counts how many times a character occurs in a string", ["count_char", "occurrences", "char_count"], "s, c",
     "return s.count(c)", "('banana', 'a') -> 3"),
    ("returns the first n items of a list", ["first_n", "take", "head"], "xs, n", "return xs[:n]", "([5, 6, 7], 2) -> [5, 6]"),
    ("returns the average of a list of numbers", ["mean", "average", "avg"], "xs",
     "return sum(xs) / len(xs)", "([2, 4]) -> 3.0"),
    ("returns the factorial of n", ["factorial", "fact", "prod_to_n"], "n",
     "result = 1\n    for k in range(2, n + 1):\n        result *= k\n    return result", "(5) -> 120"),
    ("tells whether a number is even", ["is_even", "even", "divisible_by_two"], "n", "return n % 2 == 0", "(4) -> True"),
    ("returns the number of words in a string", ["word_count", "count_words", "n_words"], "s",
     "return len(s.split())", "('a b c') -> 3"),
    ("returns a list without duplicates, keeping order", ["unique", "dedupe", "distinct"], "xs",
     "seen = []\n    for x in xs:\n        if x not in seen:\n            seen.append(x)\n    return seen", "([1, 1, 2]) -> [1, 2]"),
    ("converts degrees Celsius to Fahrenheit", ["c_to_f", "celsius_to_fahrenheit", "to_fahrenheit"], "c",
     "return c * 9 / 5 + 32", "(100) -> 212.0"),
]


def code_gen():
    rng = random.Random(2002)
    rows = []
    for description, names, params, body, example in FUNCTIONS:
        for name in names:
            for style in range(8):
                instruction = rng.choice([
                    f"Write a Python function `{name}` that {description}.",
                    f"Define a Python function named {name} which {description}.",
                    f"Implement `{name}` in Python: it {description}.",
                ])
                if style % 3 == 0:
                    inp = "Not applicable"
                elif style % 3 == 1:
                    inp = f"Example: {name}{example}"
                else:
                    inp = f"Signature: def {name}({params})"
                rows.append({"instruction": instruction, "input": inp, "output": f"def {name}({params}):\n    {body}"})
    # Drop exact duplicates, keep a stable order.
    unique = list({json.dumps(r, sort_keys=True): r for r in rows}.values())
    rng.shuffle(unique)
    return unique


def summarize():
    rng = random.Random(3003)
    things = ["a new library", "a bicycle lane", "a community garden", "a swimming pool", "a bus route", "a night market",
              "a solar farm", "a footbridge", "a music school", "a recycling center"]
    reasons = ["a petition signed by residents", "two years of planning", "a survey of local families",
               "complaints about traffic", "a grant from the region", "a report on energy costs"]
    months = ["January", "March", "May", "June", "September", "November"]
    rows = []
    for _ in range(400):
        city, thing, reason, month = rng.choice(CITIES), rng.choice(things), rng.choice(reasons), rng.choice(months)
        votes_for = rng.randint(6, 15)
        votes_against = rng.randint(0, votes_for - 1)
        cost = rng.randint(2, 90) * 100
        spokesperson = rng.choice(NAMES)
        text = (f"The city council of {city} voted {votes_for} to {votes_against} on Tuesday to build {thing}. "
                f"The decision follows {reason}. The project is expected to cost {cost} thousand euros, and "
                f"work will begin in {month}. Council member {spokesperson} said the plan had broad support.")
        rows.append({"prompt": f"Summarize in one line:\n{text}\nSummary:",
                     "completion": f" {city} approves {thing} for {cost} thousand euros; work starts in {month}."})
    return rows


def qa():
    rng = random.Random(4004)
    rows = []
    for _ in range(400):
        name, city, job, subject = rng.choice(NAMES), rng.choice(CITIES), rng.choice(JOBS), rng.choice(SUBJECTS)
        year, pets = rng.randint(1950, 2004), rng.randint(0, 4)
        other = rng.choice([c for c in CITIES if c != city])
        context = (f"{name} was born in {year} in {city}. {name} studied {subject} and works as a {job} in {other}. "
                   f"{name} has {pets} pet{'s' if pets != 1 else ''}.")
        question, answer = rng.choice([
            (f"Where was {name} born?", city),
            (f"In which year was {name} born?", str(year)),
            (f"What does {name} work as?", f"a {job}"),
            (f"Which subject did {name} study?", subject),
            (f"In which city does {name} work?", other),
            (f"How many pets does {name} have?", str(pets)),
        ])
        rows.append({"question": question, "context": context, "answer": answer})
    return rows


def chat():
    rng = random.Random(5005)
    rows = []
    for _ in range(300):
        a, b = rng.randint(2, 60), rng.randint(2, 60)
        kind = rng.randrange(3)
        if kind == 0:
            turns = [("user", f"What is {a} plus {b}?"), ("assistant", f"{a} plus {b} is {a + b}."),
                     ("user", "And doubled?"), ("assistant", f"Doubled, {a + b} is {2 * (a + b)}.")]
        elif kind == 1:
            word = rng.choice(WORDS)
            turns = [("user", f"Spell '{word}' backwards."), ("assistant", f"'{word}' backwards is '{word[::-1]}'."),
                     ("user", "How many letters is that?"), ("assistant", f"It has {len(word)} letters.")]
        else:
            km = rng.randint(1, 40)
            turns = [("user", f"How many meters are in {km} kilometers?"), ("assistant", f"{km} kilometers is {km * 1000} meters."),
                     ("user", "And in centimeters?"), ("assistant", f"That is {km * 100000} centimeters.")]
        messages = [{"role": r, "content": c} for r, c in turns]
        if rng.random() < 0.3:
            messages.insert(0, {"role": "system", "content": "You are a concise assistant. Answer in one sentence."})
        rows.append({"messages": messages})
    return rows


def write(path, rows):
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # atomic: a reader never sees half a file
    return len(text.encode())


def main(argv):
    root = pathlib.Path(__file__).resolve().parent.parent
    out = pathlib.Path(argv[0]) if argv else root / "recipes" / "data"
    out.mkdir(parents=True, exist_ok=True)
    for name, make in (("list-string-tasks", list_string_tasks), ("code-gen", code_gen), ("summarize", summarize),
                       ("qa", qa), ("chat", chat)):
        rows = make()
        size = write(out / f"{name}.jsonl", rows)
        print(f"{name}.jsonl: {len(rows)} rows, {size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
