"""User text in generated Python source, and the check that a generated module does only its job.

User text that a generated module shows (a file name, equations as written) reaches
its source only through :func:`literal` and :func:`comment`, which render it so that
it cannot end the string or the comment it sits in; :func:`check_module` then refuses
a module that does anything but what orderdiff's generators write.
"""

from __future__ import annotations

import ast

from .naming import CALLED_BUILTINS, PYTHON_NAMES


def _escaped(ch):
    if ch in '\\"':
        return "\\" + ch
    # what isprintable refuses: line ends the tokenizer may honour (\r \x0b \x0c \x1c-\x1e
    # \x85 \u2028 \u2029), NUL, bidirectional controls that reorder how a line reads, ...
    return ch if ch.isprintable() else repr(ch)[1:-1]


def literal(text):
    r'''``text`` as a triple-quoted Python string literal that reads back as exactly ``text``.

    Line feeds stay line breaks, so a docstring reads as written; backslashes, double
    quotes and every character :meth:`str.isprintable` refuses are escaped, so no text
    can end the literal or start a line of code.

    Parameters
    ----------
    text : str
        Any text, a user's included.

    Returns
    -------
    str
        The source of one string literal.

    Examples
    --------
    >>> print(literal('say "hi"\\now\u2028'))
    """say \"hi\"\\now\u2028"""
    >>> import ast
    >>> ast.literal_eval(literal('x"""\n\r\\')) == 'x"""\n\r\\'
    True
    '''
    return '"""' + "".join(ch if ch == "\n" else _escaped(ch) for ch in text) + '"""'


def comment(text):
    r"""``text`` as one ``#`` comment line: characters :meth:`str.isprintable` refuses are escaped.

    Examples
    --------
    >>> print(comment("loop\nimport os"))
    # loop\nimport os
    """
    return "# " + "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)



# The syntax the generators write: no classes, lambdas, with, try, global, del, await, ...;
# raise for the shape guard of the block program (orderdiff.blocks.guard)
NODES = (ast.Module, ast.Expr, ast.Import, ast.alias, ast.FunctionDef, ast.arguments, ast.arg, ast.Assign,
         ast.AugAssign, ast.Return, ast.Raise, ast.For, ast.If, ast.Name, ast.Constant, ast.Attribute, ast.Subscript,
         ast.Slice, ast.Call, ast.keyword, ast.Starred, ast.Tuple, ast.List, ast.Dict, ast.BinOp, ast.UnaryOp,
         ast.BoolOp, ast.Compare, ast.IfExp, ast.GeneratorExp, ast.ListComp, ast.comprehension, ast.JoinedStr,
         ast.FormattedValue, ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context)


def check_module(source, docstring=None, provided=()):
    """Refuse generated ``source`` unless it does only what orderdiff's generators write.

    A defence in depth behind :func:`literal`: the module compiles; its docstring is
    ``docstring`` (None: it has none); it imports numpy only, reaches no name but those
    it binds, ``provided`` (by the namespace it runs in), ``__name__`` and the builtins it
    calls, and no attribute starting with ``_``; it rebinds no builtin, import, provided
    or defined function, and its module scope binds each name once.

    Parameters
    ----------
    source : str
        A generated module.
    docstring : str, optional
        The docstring it was written with.
    provided : iterable of str
        The names the namespace it runs in supplies (``numpy``, ``lax``).

    Raises
    ------
    AssertionError
        For any other module: a bug in a generator, never a user's doing.

    Examples
    --------
    >>> check_module("'Doc.'\\nimport numpy\\nx = numpy.ones(2)\\n", "Doc.")
    >>> check_module('import os\\n')
    Traceback (most recent call last):
    AssertionError: generated code, line 1: imports something but numpy
    """
    try:
        tree = ast.parse(source)
        compile(tree, "<generated>", "exec")  # what only the compiler finds: a duplicate argument, ...
    except SyntaxError as e:
        raise AssertionError(f"generated code does not compile: {e}") from None
    if ast.get_docstring(tree, clean=False) != docstring:
        _refuse(tree, "its docstring is not the one it was written with")
    nodes = list(ast.walk(tree))
    docstrings = {id(n.body[0]) for n in nodes if isinstance(n, (ast.Module, ast.FunctionDef))
                  and ast.get_docstring(n, clean=False) is not None}
    for node in nodes:
        _check_syntax(node, docstrings)
    _check_names(nodes, frozenset(provided))
    _check_module_scope(tree)


def _check_syntax(node, docstrings):
    if not isinstance(node, NODES):
        _refuse(node, f"holds a {type(node).__name__}")
    if isinstance(node, ast.Import) and [(a.name, a.asname) for a in node.names] != [("numpy", None)]:
        _refuse(node, "imports something but numpy")
    if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Call) and id(node) not in docstrings:
        _refuse(node, "holds an expression statement that is neither a call nor a docstring")
    if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
        _refuse(node, f"reaches the attribute {node.attr}")


def _check_names(nodes, provided):
    """No builtin, provided, imported or defined name rebound; no name reached that nothing binds."""
    defs = [n for n in nodes if isinstance(n, ast.FunctionDef)]
    defined = {n.name for n in defs} | {n.name for n in nodes if isinstance(n, ast.alias)}
    binders = [(n, n.id) for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)]
    binders += [(n, n.arg) for n in nodes if isinstance(n, ast.arg)]
    fixed = PYTHON_NAMES | provided
    for node, name in [*binders, *((n, n.name) for n in defs)]:
        if name in fixed or name in defined and node not in defs:
            _refuse(node, f"rebinds {name}")
    callable_ = defined | provided | CALLED_BUILTINS
    reachable = callable_ | {"__name__"} | {name for _, name in binders}
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in reachable:
            _refuse(node, f"reaches {node.id}, which it does not bind")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in callable_:
            _refuse(node, f"calls {node.func.id}, which it does not define")


def _check_module_scope(tree):
    """Each name bound once in the module's own scope (functions' bodies aside)."""
    seen = set()
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.If, ast.For)):
            stack.extend([*node.body, *node.orelse])
        if isinstance(node, (ast.FunctionDef, ast.Import)):
            names = [node.name] if isinstance(node, ast.FunctionDef) else [a.name for a in node.names]
        else:
            targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
            names = [n.id for t in targets if t is not None for n in ast.walk(t)
                     if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
        for name in names:
            if name in seen:
                _refuse(node, f"binds {name} twice in its module scope")
            seen.add(name)


def _refuse(node, why):
    raise AssertionError(f"generated code, line {getattr(node, 'lineno', 1)}: {why}")
