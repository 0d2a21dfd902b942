"""The restricted evaluator: what it runs, what it refuses, what it stops, and how it reports."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from engine.errors import EvaluationError, EvaluationLimitExceeded, EvaluationRefused
from engine.evaluation import MESSAGES, Evaluator, Limits, message
from engine.evaluation.budget import resident_bytes

# Small limits keep the "stopped" cases quick; the defaults are exercised where it matters.
SMALL = Limits(max_steps=20_000, max_seconds=2.0, max_items=100_000, max_int_digits=1_000, max_depth=30)


@pytest.fixture
def evaluator() -> Evaluator:
    return Evaluator(limits=SMALL)


# -- refused before anything runs ----------------------------------------------------------------

REFUSED_EXPRESSIONS = [
    ("().__class__.__base__.__subclasses__()", "EVALUATION_REFUSED_DUNDER"),
    ("__import__('os')", "EVALUATION_REFUSED_DUNDER"),
    ("x.__class__", "EVALUATION_REFUSED_DUNDER"),
    ("len.__self__", "EVALUATION_REFUSED_DUNDER"),
    ("__builtins__", "EVALUATION_REFUSED_DUNDER"),
    ("getattr(x, '__class__')", "EVALUATION_REFUSED_NAME"),
    ("'{0.__class__}'.format(x)", "EVALUATION_REFUSED_FORMAT"),
    ("'{}'.format(1)", "EVALUATION_REFUSED_FORMAT"),
    ("'{a}'.format_map({'a': 1})", "EVALUATION_REFUSED_FORMAT"),
    ("f'{x:{spec}}'", "EVALUATION_REFUSED_FORMAT"),
    ("(i for i in x).gi_frame", "EVALUATION_REFUSED_ATTRIBUTE"),
    ("g.gi_code", "EVALUATION_REFUSED_ATTRIBUTE"),
    ("frame.f_globals", "EVALUATION_REFUSED_ATTRIBUTE"),
    ("frame.f_back", "EVALUATION_REFUSED_ATTRIBUTE"),
    ("tb.tb_frame", "EVALUATION_REFUSED_ATTRIBUTE"),
    ("coro.cr_frame", "EVALUATION_REFUSED_ATTRIBUTE"),
    ("datetime.now()", "EVALUATION_REFUSED_ATTRIBUTE"),
    ("eval('1')", "EVALUATION_REFUSED_NAME"),
    ("exec('x = 1')", "EVALUATION_REFUSED_NAME"),
    ("compile('1', 'f', 'eval')", "EVALUATION_REFUSED_NAME"),
    ("open('/etc/passwd')", "EVALUATION_REFUSED_NAME"),
    ("globals()", "EVALUATION_REFUSED_NAME"),
    ("vars()", "EVALUATION_REFUSED_NAME"),
    ("type(x)", "EVALUATION_REFUSED_NAME"),
    ("[eval][0]('1')", "EVALUATION_REFUSED_NAME"),
    ("b'bytes'", "EVALUATION_REFUSED_CONSTRUCT"),
    ("(yield)", "EVALUATION_REFUSED_CONSTRUCT"),
    ("x +", "EVALUATION_SYNTAX_ERROR"),
    ("", "EVALUATION_SYNTAX_ERROR"),
]


@pytest.mark.parametrize(("source", "code"), REFUSED_EXPRESSIONS)
def test_dangerous_expressions_are_refused_at_check_time_with_their_reason(evaluator, source, code):
    with pytest.raises(EvaluationRefused) as caught:
        evaluator.check_expression(source)
    assert caught.value.code == code
    assert caught.value.params["line"] == 1


@pytest.mark.parametrize(("source", "code"), REFUSED_EXPRESSIONS)
def test_dangerous_expressions_are_refused_when_evaluated_too(evaluator, source, code):
    with pytest.raises(EvaluationRefused) as caught:
        evaluator.evaluate(source, {"x": 1, "spec": ">3"})
    assert caught.value.code == code


REFUSED_SCRIPTS = [
    ("import os", "EVALUATION_REFUSED_CONSTRUCT", 1),
    ("from os import path", "EVALUATION_REFUSED_CONSTRUCT", 1),
    ("x = 1\nclass A:\n    pass", "EVALUATION_REFUSED_CONSTRUCT", 2),
    ("def gen():\n    yield 1", "EVALUATION_REFUSED_CONSTRUCT", 2),
    ("with open('f') as f:\n    pass", "EVALUATION_REFUSED_CONSTRUCT", 1),
    ("async def f():\n    pass", "EVALUATION_REFUSED_CONSTRUCT", 1),
    ("x = 1\ntry:\n    x = 2\nexcept:\n    pass", "EVALUATION_REFUSED_CONSTRUCT", 4),
    ("d.x = 1", "EVALUATION_REFUSED_CONSTRUCT", 1),
    ("d['k'] += 1", "EVALUATION_REFUSED_CONSTRUCT", 1),
    ("@decorate\ndef f():\n    pass", "EVALUATION_REFUSED_CONSTRUCT", 2),
    ("def f(_hidden):\n    return 1", "EVALUATION_REFUSED_DUNDER", 1),
    ("a = 1\nb = a.__class__", "EVALUATION_REFUSED_DUNDER", 2),
    ("x = 1\ny = (\n", "EVALUATION_SYNTAX_ERROR", 2),
]


@pytest.mark.parametrize(("source", "code", "line"), REFUSED_SCRIPTS)
def test_dangerous_scripts_are_refused_at_check_time_with_the_line(evaluator, source, code, line):
    with pytest.raises(EvaluationRefused) as caught:
        evaluator.check_script(source)
    assert caught.value.code == code
    assert caught.value.params["line"] == line
    assert f"Line {line}" in str(caught.value)


def test_the_refusal_names_the_first_problem_in_reading_order(evaluator):
    with pytest.raises(EvaluationRefused) as caught:
        evaluator.check_expression("().__class__.__base__.__subclasses__()")
    assert caught.value.params["name"] == "__class__"
    assert "__class__" in str(caught.value)


def test_checking_does_not_run_anything(evaluator):
    evaluator.check_script("x = 1 / 0\nwhile True:\n    pass")
    evaluator.check_expression("undefined_name + 1")


def test_a_source_over_the_length_limit_is_refused():
    evaluator = Evaluator(limits=Limits(max_source_chars=50))
    with pytest.raises(EvaluationRefused) as caught:
        evaluator.check_expression("1 + " * 20 + "1")
    assert caught.value.code == "EVALUATION_SOURCE_TOO_LONG"


def test_deeply_nested_source_is_refused_not_crashed(evaluator):
    with pytest.raises(EvaluationRefused):
        evaluator.check_expression("-" * 5000 + "1")


# -- stopped while running -----------------------------------------------------------------------

STOPPED = [
    ("x = 9 ** 9 ** 9", "EVALUATION_INT_LIMIT"),
    ("x = 'a' * 10**10", "EVALUATION_SIZE_LIMIT"),
    ("x = [0] * 10**9", "EVALUATION_SIZE_LIMIT"),
    ("x = 1 << 10**9", "EVALUATION_INT_LIMIT"),
    ("x = round(5, -10**9)", "EVALUATION_INT_LIMIT"),
    ("x = int('9' * 5000)", "EVALUATION_INT_LIMIT"),
    ("while True:\n    pass", "EVALUATION_STEP_LIMIT"),
    ("for i in range(10**12):\n    pass", "EVALUATION_SIZE_LIMIT"),
    ("x = [x for x in range(10**10)]", "EVALUATION_SIZE_LIMIT"),
    ("x = 0\nwhile True:\n    x = [y for y in range(100)]", "EVALUATION_STEP_LIMIT"),
    ("def f(n):\n    return f(n + 1)\nf(0)", "EVALUATION_DEPTH_LIMIT"),
    ("f = lambda n: f(n + 1)\nf(0)", "EVALUATION_DEPTH_LIMIT"),
    ("s = 'ab'\nwhile True:\n    s = s + s", "EVALUATION_SIZE_LIMIT"),
    ("s = 'ab'\nwhile True:\n    s += s", "EVALUATION_SIZE_LIMIT"),
    ("a = [1]\nwhile True:\n    a.extend(a)", "EVALUATION_SIZE_LIMIT"),
    ("a = [1]\nwhile True:\n    a += a", "EVALUATION_SIZE_LIMIT"),
    ("a = [1]\nwhile True:\n    a = [*a, *a]", "EVALUATION_SIZE_LIMIT"),
    ("s = 'ab'\nwhile True:\n    s = s.replace('', s)", "EVALUATION_SIZE_LIMIT"),
    ("x = ''.join(['a' * 1000] * 1000)", "EVALUATION_SIZE_LIMIT"),
    ("x = 'a'.ljust(10**9)", "EVALUATION_SIZE_LIMIT"),
    ("x = [[0] * 1000] * 1000", "EVALUATION_SIZE_LIMIT"),
    ("x = f'{1:>1000000000}'", "EVALUATION_SIZE_LIMIT"),
    ("x = '%1000000000d' % 1", "EVALUATION_SIZE_LIMIT"),
    ("l = [0]\nfor i in range(25):\n    l = [l, l]\ns = str(l)", "EVALUATION_SIZE_LIMIT"),
    ("l = [0]\nfor i in range(25):\n    l = [l, l]", "EVALUATION_SIZE_LIMIT"),
]


@pytest.mark.parametrize(("source", "code"), STOPPED)
def test_runaway_work_is_stopped_with_a_limit_error(evaluator, source, code):
    context = {"kept": 1}
    with pytest.raises(EvaluationLimitExceeded) as caught:
        evaluator.execute(source, context)
    assert caught.value.code == code
    assert context == {"kept": 1}


def test_the_default_limits_stop_the_classic_bombs_too():
    evaluator = Evaluator()
    for source in ("9 ** 9 ** 9", "'a' * 10**10", "[0] * 10**9", "[x for x in range(10**10)]"):
        with pytest.raises(EvaluationLimitExceeded):
            evaluator.evaluate(source, {})
    with pytest.raises(EvaluationLimitExceeded) as caught:
        evaluator.execute("while True:\n    pass", {})
    assert caught.value.code == "EVALUATION_STEP_LIMIT"
    assert caught.value.params["limit"] == 1_000_000


def test_a_wall_clock_deadline_stops_slow_steps():
    evaluator = Evaluator(limits=Limits(max_steps=10**9, max_seconds=0.2))
    with pytest.raises(EvaluationLimitExceeded) as caught:
        evaluator.execute("while True:\n    x = sorted(range(10000))", {})
    assert caught.value.code == "EVALUATION_TIME_LIMIT"


@pytest.mark.skipif(resident_bytes() is None, reason="resident memory cannot be read here")
def test_growing_memory_through_copies_is_stopped():
    evaluator = Evaluator(limits=Limits(max_steps=10**9, max_seconds=30, max_memory_mb=64))
    with pytest.raises(EvaluationLimitExceeded) as caught:
        evaluator.execute("l = list(range(10**6))\nfor i in range(10**6):\n    l.append(l[:])", {})
    assert caught.value.code == "EVALUATION_MEMORY_LIMIT"


def test_a_limit_cannot_be_swallowed_by_the_code(evaluator):
    swallowing = [
        "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nx = 1",
        "def f():\n    try:\n        while True:\n            pass\n    finally:\n        return 1\nx = f()",
        "def f():\n    try:\n        return f()\n    except Exception:\n        return 0\nx = f()",
    ]
    for source in swallowing:
        context: dict = {}
        with pytest.raises(EvaluationLimitExceeded):
            evaluator.execute(source, context)
        assert "x" not in context


def test_limits_are_configurable_per_evaluator():
    tight = Evaluator(limits=Limits(max_steps=100))
    loose = Evaluator(limits=Limits(max_steps=1000))
    script = "n = 0\nfor i in range(500):\n    n = n + i"
    with pytest.raises(EvaluationLimitExceeded):
        tight.execute(script, {})
    context: dict = {}
    loose.execute(script, context)
    assert context["n"] == sum(range(500))


def test_invalid_limits_are_rejected():
    with pytest.raises(ValueError, match="max_steps"):
        Limits(max_steps=0)


def test_the_evaluator_keeps_working_after_a_hostile_evaluation(evaluator):
    with pytest.raises(EvaluationLimitExceeded):
        evaluator.execute("while True:\n    pass", {})
    with pytest.raises(EvaluationRefused):
        evaluator.evaluate("().__class__", {})
    assert evaluator.evaluate("a + 1", {"a": 41}) == 42


# -- errors raised by the code itself -------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "error_type", "text"),
    [
        ("x = 1 / 0", "ZeroDivisionError", "division by zero"),
        ("x = d['missing']", "KeyError", "'missing'"),
        ("x = unknown + 1", "NameError", "name 'unknown' is not defined"),
        ("x = [1][5]", "IndexError", "list index out of range"),
        ("x = int('abc')", "ValueError", "invalid literal"),
        ("raise ValueError('bad amount')", "ValueError", "bad amount"),
        ("x = [].get('a')", "AttributeError", "'list' object has no attribute 'get'"),
    ],
)
def test_errors_raised_by_the_code_become_evaluation_errors(evaluator, source, error_type, text):
    with pytest.raises(EvaluationError) as caught:
        evaluator.execute(source, {"d": {}})
    error = caught.value
    assert type(error) is EvaluationError
    assert error.code == "EVALUATION_ERROR"
    assert error.params["error_type"] == error_type
    assert text in error.params["error"]
    assert error_type in str(error) and text in str(error)


def test_the_line_of_a_failing_statement_is_reported(evaluator):
    with pytest.raises(EvaluationError) as caught:
        evaluator.execute("a = 1\nb = 2\n\nc = a / (b - 2)", {})
    assert caught.value.params["line"] == 4


def test_an_attribute_of_a_value_of_an_unexpected_type_is_refused_at_run_time(evaluator):
    with pytest.raises(EvaluationRefused) as caught:
        evaluator.evaluate("x.get('a')", {"x": ValueError("data")})
    assert caught.value.code == "EVALUATION_REFUSED_VALUE_ATTRIBUTE"
    assert caught.value.params["type"] == "ValueError"


# -- normal code ---------------------------------------------------------------------------------


def test_expressions_read_task_data_and_compute(evaluator):
    data = {"amount": 1200, "kind": "transfer", "flags": ["a", "b"], "person": {"city": "Shanghai"}}
    assert evaluator.evaluate("amount > 1000 and kind == 'transfer'", data) is True
    assert evaluator.evaluate("'vip' if amount >= 1000 else 'normal'", data) == "vip"
    assert evaluator.evaluate("person.get('city', '').lower().startswith('shang')", data) is True
    assert evaluator.evaluate("len(flags) * 2 + amount // 100 - 1 ** 3 % 2", data) == 15
    assert evaluator.evaluate("not (amount < 0 or 'c' in flags)", data) is True
    assert evaluator.evaluate("  amount  ", data) == 1200


def test_a_script_assigns_names_into_the_context_like_task_data(evaluator):
    data = {
        "amounts": [300, 500, 700],
        "person": {"name": " Li Lei ", "tags": []},
        "obsolete": True,
    }
    evaluator.execute(
        """
total = 0
for value in amounts:
    if value > 600:
        total = total + value * 2
    elif value > 400:
        total += value
    else:
        total -= value
big = [a for a in amounts if a > 400]
index = {str(a): i for i, a in enumerate(amounts)}
unique = {a % 2 for a in amounts}
name = person['name'].strip().upper().replace(' ', '_')
parts = 'a,b,c'.split(',')
joined = '-'.join(parts)
person['tags'].append('checked')
person.update({'seen': True})
first = person.pop('name')
pairs = sorted(zip(parts, amounts), key=lambda p: -p[1])
stats = (min(amounts), max(amounts), abs(-3), round(2.567, 2), any(big), all(big))
def double(v):
    return v * 2
doubled = [double(a) for a in amounts]
label = f"{first.strip()}: {total:,} ({len(big)} big)"
del obsolete
""",
        data,
    )
    assert data["total"] == -300 + 500 + 1400
    assert data["big"] == [500, 700]
    assert data["index"] == {"300": 0, "500": 1, "700": 2}
    assert data["unique"] == {0}
    assert data["name"] == "LI_LEI"
    assert data["joined"] == "a-b-c"
    assert data["person"] == {"tags": ["checked"], "seen": True}
    assert data["first"] == " Li Lei "
    assert data["pairs"] == [("c", 700), ("b", 500), ("a", 300)]
    assert data["stats"] == (300, 700, 3, 2.57, True, True)
    assert data["doubled"] == [600, 1000, 1400]
    assert data["label"] == "Li Lei: 1,600 (2 big)"
    assert "obsolete" not in data
    assert "double" not in data  # functions the script defines are not task data


def test_a_failed_script_leaves_the_names_in_the_context_unchanged(evaluator):
    data = {"a": 1}
    with pytest.raises(EvaluationError):
        evaluator.execute("a = 2\nb = 3\nc = 1 / 0", data)
    assert data == {"a": 1}


def test_dates_and_datetimes_in_task_data_work_in_expressions(evaluator):
    data = {
        "received": date(2024, 9, 30),
        "stamp": datetime(2024, 9, 30, 8, 30, tzinfo=UTC),
        "grace": timedelta(days=3),
    }
    assert evaluator.evaluate("received < date(2024, 10, 1)", data) is True
    assert evaluator.evaluate("(received + grace).isoformat()", data) == "2024-10-03"
    assert evaluator.evaluate("(date(2024, 12, 31) - received).days", data) == 92
    assert evaluator.evaluate("stamp.hour == 8 and stamp.date() == received", data) is True
    assert evaluator.evaluate("received.strftime('%Y年%m月')", data) == "2024年09月"
    assert evaluator.evaluate("datetime.fromisoformat('2024-10-08T09:00:00+08:00') > stamp", data) is True
    assert evaluator.evaluate("f'{received:%d/%m/%Y}'", data) == "30/09/2024"
    assert evaluator.evaluate("stamp.astimezone(timezone(timedelta(hours=8))).hour", data) == 16


def test_builtins_and_isinstance_behave_like_python(evaluator):
    assert evaluator.evaluate("isinstance(x, str) and not isinstance(x, (int, float))", {"x": "a"}) is True
    assert evaluator.evaluate("isinstance(3, int) and isinstance(2.5, (int, float))", {}) is True
    assert evaluator.evaluate("str(12) + str([1, 2])", {}) == "12[1, 2]"
    assert evaluator.evaluate("int('42') + int(3.9) + float('0.5')", {}) == 45.5
    assert evaluator.evaluate("list(range(3)) + list(reversed(range(2)))", {}) == [0, 1, 2, 1, 0]
    assert evaluator.evaluate("sum(v for v in [1, 2, 3]) + sum([0.5], 1)", {}) == 7.5
    assert (
        evaluator.evaluate("dict(a=1) == {'a': 1} and set([1, 1]) == {1} and tuple([1]) == (1,)", {}) is True
    )
    assert evaluator.evaluate("bool(0) or len('abc')", {}) == 3
    assert evaluator.evaluate("'%s-%05d' % ('n', 42)", {}) == "n-00042"
    assert evaluator.evaluate("f'{x!r}'", {"x": "a"}) == "'a'"


def test_summing_lists_is_refused_as_quadratic(evaluator):
    with pytest.raises(EvaluationError) as caught:
        evaluator.evaluate("sum([[1], [2]], [])", {})
    assert caught.value.params["error_type"] == "TypeError"


def test_decimal_values_in_task_data_can_be_computed_but_not_blown_up(evaluator):
    assert evaluator.evaluate("price * 2 > 10", {"price": Decimal("5.50")}) is True
    with pytest.raises(EvaluationLimitExceeded):
        evaluator.evaluate("int(huge)", {"huge": Decimal("1e100000")})
    with pytest.raises(EvaluationLimitExceeded):
        evaluator.evaluate("f'{huge:f}'", {"huge": Decimal("1e1000000")})


def test_task_data_shadows_builtins_and_host_functions():
    evaluator = Evaluator({"today": lambda: date(2024, 1, 1)}, limits=SMALL)
    assert evaluator.evaluate("today()", {}) == date(2024, 1, 1)
    assert evaluator.evaluate("today", {"today": "Monday"}) == "Monday"
    assert evaluator.evaluate("date", {"date": "2024-01-01"}) == "2024-01-01"


def test_host_functions_are_offered_and_called_normally():
    calls = []

    def record(value):
        calls.append(value)
        return {"seen": value}

    evaluator = Evaluator({"record": record}, limits=SMALL)
    assert evaluator.evaluate("record(amount)['seen'] + 1", {"amount": 41}) == 42
    assert calls == [41]


def test_host_function_errors_become_evaluation_errors_with_their_type():
    def fail(_value):
        raise ValueError("no such region")

    evaluator = Evaluator({"lookup": fail}, limits=SMALL)
    with pytest.raises(EvaluationError) as caught:
        evaluator.evaluate("lookup('x')", {})
    assert caught.value.params["error_type"] == "ValueError"
    assert caught.value.params["error"] == "no such region"


@pytest.mark.parametrize("name", ["_private", "eval", "not an identifier"])
def test_host_functions_cannot_use_refused_names(name):
    with pytest.raises(ValueError, match="cannot be offered"):
        Evaluator({name: len})


def test_external_names_are_readable_but_not_written_back(evaluator):
    data = {"a": 1}
    evaluator.execute("b = shared + a", data, external={"shared": 10})
    assert data == {"a": 1, "b": 11}


def test_repeated_evaluation_reuses_the_compiled_code():
    evaluator = Evaluator(limits=SMALL)
    for value in range(5):
        assert evaluator.evaluate("value * 2", {"value": value}) == value * 2
    info = evaluator.cache_info()
    assert info.misses == 1
    assert info.hits == 4


def test_evaluations_in_threads_do_not_share_budgets_or_data():
    evaluator = Evaluator(limits=Limits(max_steps=5_000))
    barrier = threading.Barrier(8)

    def work(n: int) -> object:
        barrier.wait()
        if n % 4 == 0:
            with pytest.raises(EvaluationLimitExceeded):
                evaluator.execute("while True:\n    pass", {})
            return "stopped"
        data = {"n": n}
        evaluator.execute("total = 0\nfor i in range(1000):\n    total = total + n", data)
        return data["total"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    assert results == ["stopped" if n % 4 == 0 else 1000 * n for n in range(8)]


def test_every_error_code_has_chinese_and_english_text():
    for code, texts in MESSAGES.items():
        assert texts["zh"] and texts["en"], code
    assert (
        message("EVALUATION_STEP_LIMIT", "zh", line=3, limit=10)
        == "第 3 行：计算超过了 10 步的上限（循环或函数调用过多）。"
    )
    assert message("EVALUATION_STEP_LIMIT", "en", line=3, limit=10).startswith("Line 3: ")


def test_every_code_the_evaluator_raises_is_in_the_catalog(evaluator):
    raised = set()
    for source, *_ in REFUSED_EXPRESSIONS:
        with pytest.raises(EvaluationError) as caught:
            evaluator.evaluate(source, {"x": 1, "spec": ">3"})
        raised.add(caught.value.code)
    for source, _ in STOPPED:
        with pytest.raises(EvaluationError) as caught:
            evaluator.execute(source, {})
        raised.add(caught.value.code)
    assert raised <= set(MESSAGES)
