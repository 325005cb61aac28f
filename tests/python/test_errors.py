# Every framepipe C++ exception has its Python class, in the same hierarchy, under framepipe.Error.
import pytest

import framepipe

HIERARCHY = {
    "Error": Exception,
    "InvalidArgument": framepipe.Error,
    "FrameError": framepipe.InvalidArgument,
    "Interrupted": framepipe.Error,
    "ParseError": framepipe.Error,
    "MissingElement": framepipe.Error,
    "StreamError": framepipe.Error,
    "NotNegotiated": framepipe.StreamError,
    "AddressInUse": framepipe.StreamError,
    "PeerUnreachable": framepipe.StreamError,
    "Timeout": framepipe.Error,
}


@pytest.mark.parametrize("name,base", HIERARCHY.items())
def test_hierarchy(name, base):
    cls = getattr(framepipe, name)
    assert issubclass(cls, base)
    assert cls.__module__ == "framepipe"
    assert cls.__doc__


def test_python_builtin_bases():
    assert issubclass(framepipe.InvalidArgument, ValueError)
    assert issubclass(framepipe.Timeout, TimeoutError)


def test_not_negotiated_names_the_offered_caps():
    with pytest.raises(framepipe.NotNegotiated) as error:
        with framepipe.Writer("capsfilter caps=video/x-raw,format=RGB ! fakesink",
                              size=(32, 16)) as w:
            for _ in range(3):
                w.write(__import__("numpy").zeros((16, 32, 3), "uint8"))
    assert "I420" in error.value.offered_caps
    assert isinstance(error.value, framepipe.StreamError)
    assert error.value.element


def test_parse_error_attributes():
    with pytest.raises(framepipe.ParseError) as error:
        framepipe.Writer("videoconvert ! ! fakesink", size=(8, 8))
    assert error.value.gst_message
    assert "videoconvert" in error.value.description


def test_the_stub_names_every_public_name():
    import ast
    import pathlib
    stub = pathlib.Path(framepipe.__file__).with_name("framepipe.pyi")
    tree = ast.parse(stub.read_text())
    in_stub = {node.name for node in tree.body
               if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    in_stub |= {t.id for node in tree.body if isinstance(node, ast.AnnAssign)
                for t in [node.target] if isinstance(t, ast.Name)}
    public = {name for name in dir(framepipe) if not name.startswith("_")} | {"__version__"}
    assert public - in_stub == set()
    for name in public - {"__version__"}:
        assert getattr(framepipe, name).__doc__, name
