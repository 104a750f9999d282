"""Evaluate signed flagc bundles from Python.

A thin layer over the flagc C library (``flagc.h``) through ctypes: the bundle is verified,
decrypted and evaluated by the same code as the Swift runtime and ``flagc eval``, so the answers are
the same, bit for bit. See docs/bindings.md in the flagc repository.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Union

__all__ = [
    "Bundle",
    "BundleHeader",
    "EvaluationDetail",
    "EvaluationColumns",
    "FlagcError",
    "library_path",
]

__version__ = "0.1.0"

_ABI_VERSION = 1
_NUL_TERMINATED = ctypes.c_size_t(-1).value

_STATUS_NAMES = {
    1: "INVALID_ARGUMENT",
    2: "INVALID_KEY",
    3: "UNREADABLE",
    4: "VERIFICATION_FAILED",
    5: "PARSE_ERROR",
    6: "FLAG_NOT_FOUND",
}
_REASONS = ["STATIC", "TARGETING_MATCH", "SPLIT", "DEFAULT", "DISABLED", "PREREQUISITE_FAILED", "ERROR", "CIRCUIT_OPEN"]
_ERROR_CODES = [None, "FLAG_NOT_FOUND", "TYPE_MISMATCH", "PARSE_ERROR", "INVALID_CONTEXT", "GENERAL",
                "PROVIDER_NOT_READY"]
_TYPES = ["boolean", "string", "integer", "number", "object"]
_TYPE_NONE, _TYPE_BOOLEAN, _TYPE_STRING, _TYPE_INTEGER, _TYPE_NUMBER, _TYPE_OBJECT = -1, 0, 1, 2, 3, 4
_REASON_ERROR = 6


class FlagcError(Exception):
    """A bundle could not be opened, or an argument was refused. ``status`` is the C status name
    (``VERIFICATION_FAILED``, ``UNREADABLE``, ``INVALID_KEY``, ``INVALID_ARGUMENT``...)."""

    def __init__(self, status: str, message: str):
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


# ----------------------------------------------------------------------------------------------
# The C library


class _Value(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int32),
        ("boolean", ctypes.c_bool),
        ("integer", ctypes.c_int64),
        ("number", ctypes.c_double),
        ("string", ctypes.c_void_p),
        ("length", ctypes.c_size_t),
    ]


class _Result(ctypes.Structure):
    _fields_ = [
        ("value", _Value),
        ("reason", ctypes.c_int32),
        ("error_code", ctypes.c_int32),
        ("variant", ctypes.c_int32),
        ("rule", ctypes.c_int32),
        ("variant_name", ctypes.c_char_p),
        ("rule_name", ctypes.c_char_p),
        ("error_message", ctypes.c_char_p),
    ]


class _Header(ctypes.Structure):
    _fields_ = [
        ("format_version", ctypes.c_uint32),
        ("bundle_version", ctypes.c_uint64),
        ("issued_at", ctypes.c_int64),
        ("expires_at", ctypes.c_int64),
        ("keyring_version", ctypes.c_uint32),
        ("flag_count", ctypes.c_size_t),
        ("target", ctypes.c_char_p),
        ("environment", ctypes.c_char_p),
        ("signing_key_id", ctypes.c_char_p),
    ]


_library_name = "libflagc-c.dylib" if os.uname().sysname == "Darwin" else "libflagc-c.so"


def library_path() -> Path:
    """Where the C library is: ``$FLAGC_LIBRARY``, next to this package, or in the repository's
    ``.build/release`` or ``.build/debug`` when the package is used from a checkout."""
    explicit = os.environ.get("FLAGC_LIBRARY")
    if explicit:
        return Path(explicit)
    here = Path(__file__).resolve().parent
    candidates = [here / _library_name]
    for parent in here.parents:
        if (parent / "Package.swift").is_file():
            candidates += [parent / ".build" / "release" / _library_name, parent / ".build" / "debug" / _library_name]
            break
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FlagcError(
        "UNREADABLE",
        f"no {_library_name}: set FLAGC_LIBRARY, or build it with `swift build -c release --product flagc-c`",
    )


_lib = None
_lib_lock = threading.Lock()
# Each thread's reusable result structure for `Bundle.evaluate`.
_results = threading.local()


def _library():
    global _lib
    if _lib is not None:
        return _lib
    with _lib_lock:
        if _lib is None:
            _lib = _bind(ctypes.CDLL(str(library_path())))
    return _lib


def _bind(lib):
    P, S, I32, U32, I64, U64, D, B = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int32, ctypes.c_uint32,
                                      ctypes.c_int64, ctypes.c_uint64, ctypes.c_double, ctypes.c_bool)
    CP = ctypes.c_char_p
    ERR = ctypes.POINTER(ctypes.c_void_p)

    def declare(name, result, *arguments):
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = list(arguments)

    declare("flagc_abi_version", I32)
    declare("flagc_string_free", None, P)
    declare("flagc_options_new", P)
    declare("flagc_options_free", None, P)
    declare("flagc_options_add_root_key", I32, P, CP, S, ERR)
    declare("flagc_options_set_recipient_key", I32, P, CP, S, ERR)
    declare("flagc_options_set_target", I32, P, CP, S)
    declare("flagc_options_set_environment", I32, P, CP, S)
    declare("flagc_options_set_min_bundle_version", I32, P, U64)
    declare("flagc_options_set_min_keyring_version", I32, P, U32)
    declare("flagc_options_set_verification_time", I32, P, I64)
    declare("flagc_options_set_leeway", I32, P, I64)
    declare("flagc_options_set_max_bundle_bytes", I32, P, S)
    declare("flagc_options_set_evaluation_time", I32, P, D)
    declare("flagc_bundle_open_path", I32, CP, P, ctypes.POINTER(P), ERR)
    declare("flagc_bundle_open_bytes", I32, CP, S, P, ctypes.POINTER(P), ERR)
    declare("flagc_bundle_free", None, P)
    declare("flagc_bundle_header", I32, P, ctypes.POINTER(_Header))
    declare("flagc_bundle_flag_count", S, P)
    declare("flagc_bundle_flag_key", CP, P, S)
    declare("flagc_bundle_flag", I32, P, CP, S, ctypes.POINTER(U64))
    declare("flagc_flag_type", I32, P, U64)
    declare("flagc_flag_variant_count", I32, P, U64)
    declare("flagc_flag_variant", I32, P, U64, I32, ctypes.POINTER(CP), ctypes.POINTER(_Value))
    declare("flagc_flag_rule_count", I32, P, U64)
    declare("flagc_flag_rule_name", CP, P, U64, I32)
    declare("flagc_evaluate_json", I32, P, U64, CP, S, ctypes.POINTER(_Result))
    declare("flagc_evaluate_many_json", I32, P, U64, CP, S, S, P, P, P, P)
    declare("flagc_evaluate_flags_many_json", I32, P, P, S, CP, S, S, P, P, P, P)
    version = lib.flagc_abi_version()
    if version != _ABI_VERSION:
        raise FlagcError("INVALID_ARGUMENT", f"the flagc library implements interface {version}, "
                                             f"this package needs {_ABI_VERSION}")
    return lib


def _check(status: int, error: ctypes.c_void_p) -> None:
    if status == 0:
        return
    message = "failed"
    if error.value:
        message = ctypes.string_at(error.value).decode("utf-8", "replace")
        _library().flagc_string_free(error)
    raise FlagcError(_STATUS_NAMES.get(status, str(status)), message)


def _key_text(value: Union[str, os.PathLike, bytes]) -> bytes:
    """Key text as given, or read from the file it names (key texts start with ``flagc-``)."""
    if isinstance(value, bytes):
        return value.strip()
    text = os.fspath(value)
    if not text.lstrip().startswith("flagc-"):
        with open(text, "rb") as file:
            return file.read().strip()
    return text.strip().encode()


def _value(raw: _Value) -> Any:
    kind = raw.type
    if kind == _TYPE_BOOLEAN:
        return bool(raw.boolean)
    if kind == _TYPE_INTEGER:
        return raw.integer
    if kind == _TYPE_NUMBER:
        return raw.number
    if kind == _TYPE_STRING or kind == _TYPE_OBJECT:
        text = ctypes.string_at(raw.string, raw.length).decode("utf-8")
        return text if kind == _TYPE_STRING else json.loads(text)
    return None


# ----------------------------------------------------------------------------------------------
# The Python API


@dataclass(frozen=True)
class BundleHeader:
    """A loaded bundle's verified header. Times are Unix seconds."""

    format_version: int
    bundle_version: int
    issued_at: int
    expires_at: int
    keyring_version: int
    flag_count: int
    target: str
    environment: str
    signing_key_id: str


@dataclass(slots=True)
class EvaluationDetail:
    """One evaluation: ``value`` is the caller's default when ``reason`` is ``ERROR``, and
    ``error_code`` then says why (the OpenFeature codes)."""

    flag_key: str
    value: Any
    variant: Optional[str]
    reason: str
    rule: Optional[str] = None
    error_code: Optional[str] = None
    error_message: Optional[str] = None


@dataclass(frozen=True)
class EvaluationColumns:
    """One flag evaluated for many contexts, as columns (lists of equal length). ``variant_index``
    is an ``array('i')`` of variant positions (-1 where the default was served), for vectorized use;
    ``variant_names`` and ``variant_values`` map it to names and values."""

    flag_key: str
    variant_index: array
    values: List[Any]
    variants: List[Optional[str]]
    reasons: List[str]
    rules: List[Optional[str]]
    error_codes: List[Optional[str]]
    variant_names: List[str]
    variant_values: List[Any]

    def __len__(self) -> int:
        return len(self.variant_index)


class _Flag:
    __slots__ = ("key", "handle", "type", "variant_names", "variant_values", "rule_names")

    def __init__(self, lib, bundle, key: str, handle: int):
        self.key = key
        self.handle = handle
        self.type = _TYPES[lib.flagc_flag_type(bundle, handle)]
        names, values = [], []
        for index in range(lib.flagc_flag_variant_count(bundle, handle)):
            name = ctypes.c_char_p()
            raw = _Value()
            lib.flagc_flag_variant(bundle, handle, index, ctypes.byref(name), ctypes.byref(raw))
            names.append(name.value.decode())
            values.append(_value(raw))
        self.variant_names = names
        self.variant_values = values
        self.rule_names = []
        for index in range(lib.flagc_flag_rule_count(bundle, handle)):
            name = lib.flagc_flag_rule_name(bundle, handle, index)
            self.rule_names.append(name.decode() if name is not None else None)


class Bundle:
    """A verified, decrypted bundle. Immutable: share one between threads (the C calls release the
    GIL). Open it with ``Bundle.load`` or ``Bundle.from_bytes``; ``close()`` (or ``with``) frees it
    early, else it is freed with the object."""

    def __init__(self, handle: int):
        self._lib = _library()
        self._handle = ctypes.c_void_p(handle)
        self._flags: dict = {}
        self._flags_lock = threading.Lock()
        header = _Header()
        self._lib.flagc_bundle_header(self._handle, ctypes.byref(header))
        self.header = BundleHeader(
            format_version=header.format_version,
            bundle_version=header.bundle_version,
            issued_at=header.issued_at,
            expires_at=header.expires_at,
            keyring_version=header.keyring_version,
            flag_count=header.flag_count,
            target=header.target.decode(),
            environment=header.environment.decode(),
            signing_key_id=header.signing_key_id.decode(),
        )

    @staticmethod
    def _options(root_key, recipient_key, target, environment, min_bundle_version, min_keyring_version,
                 now, leeway, max_bundle_bytes, evaluation_time):
        lib = _library()
        options = lib.flagc_options_new()
        if not options:
            raise MemoryError("flagc_options_new")
        try:
            roots = [root_key] if isinstance(root_key, (str, bytes, os.PathLike)) else list(root_key)
            for root in roots:
                text = _key_text(root)
                error = ctypes.c_void_p()
                _check(lib.flagc_options_add_root_key(options, text, len(text), ctypes.byref(error)), error)
            secret = bytearray(_key_text(recipient_key))
            try:
                buffer = (ctypes.c_char * len(secret)).from_buffer(secret)
                error = ctypes.c_void_p()
                _check(lib.flagc_options_set_recipient_key(options, ctypes.cast(buffer, ctypes.c_char_p),
                                                           len(secret), ctypes.byref(error)), error)
                del buffer
            finally:
                secret[:] = bytes(len(secret))  # zero our copy of the secret
            if target is not None:
                encoded = target.encode()
                _check(lib.flagc_options_set_target(options, encoded, len(encoded)), ctypes.c_void_p())
            if environment is not None:
                encoded = environment.encode()
                _check(lib.flagc_options_set_environment(options, encoded, len(encoded)), ctypes.c_void_p())
            _check(lib.flagc_options_set_min_bundle_version(options, min_bundle_version), ctypes.c_void_p())
            _check(lib.flagc_options_set_min_keyring_version(options, min_keyring_version), ctypes.c_void_p())
            if now is not None:
                _check(lib.flagc_options_set_verification_time(options, int(now)), ctypes.c_void_p())
            _check(lib.flagc_options_set_leeway(options, int(leeway)), ctypes.c_void_p())
            if max_bundle_bytes is not None:
                _check(lib.flagc_options_set_max_bundle_bytes(options, int(max_bundle_bytes)), ctypes.c_void_p())
            if evaluation_time is not None:
                _check(lib.flagc_options_set_evaluation_time(options, float(evaluation_time)), ctypes.c_void_p())
            return options
        except BaseException:
            lib.flagc_options_free(options)
            raise

    @classmethod
    def load(cls, path: Union[str, os.PathLike], root_key, recipient_key, *, target: Optional[str] = None,
             environment: Optional[str] = None, min_bundle_version: int = 0, min_keyring_version: int = 0,
             now: Optional[int] = None, leeway: int = 300, max_bundle_bytes: Optional[int] = None,
             evaluation_time: Optional[float] = None) -> "Bundle":
        """Reads, verifies, decrypts and decodes the bundle at ``path``.

        ``root_key``: one pinned root public key or a list (key text, or a path to a file holding it);
        ``recipient_key``: the recipient secret key (text or file). ``target``/``environment`` refuse
        bundles built for others; ``min_bundle_version``/``min_keyring_version`` are rollback floors;
        ``now`` the verification clock and ``leeway`` its tolerated skew (seconds);
        ``evaluation_time`` a fixed evaluation clock (Unix seconds) for contexts without ``now``, so
        every worker of a batch job decides at the same instant.

        Raises ``FlagcError`` with status ``UNREADABLE``, ``VERIFICATION_FAILED`` (the message names
        the check), ``INVALID_KEY`` or ``INVALID_ARGUMENT``."""
        lib = _library()
        options = cls._options(root_key, recipient_key, target, environment, min_bundle_version,
                               min_keyring_version, now, leeway, max_bundle_bytes, evaluation_time)
        try:
            handle, error = ctypes.c_void_p(), ctypes.c_void_p()
            status = lib.flagc_bundle_open_path(os.fsencode(path), options, ctypes.byref(handle), ctypes.byref(error))
            _check(status, error)
        finally:
            lib.flagc_options_free(options)
        return cls(handle.value)

    @classmethod
    def from_bytes(cls, data: bytes, root_key, recipient_key, **options) -> "Bundle":
        """``load`` for a bundle already in memory."""
        lib = _library()
        made = cls._options(root_key, recipient_key, options.get("target"), options.get("environment"),
                            options.get("min_bundle_version", 0), options.get("min_keyring_version", 0),
                            options.get("now"), options.get("leeway", 300), options.get("max_bundle_bytes"),
                            options.get("evaluation_time"))
        try:
            handle, error = ctypes.c_void_p(), ctypes.c_void_p()
            data = bytes(data)
            _check(lib.flagc_bundle_open_bytes(data, len(data), made, ctypes.byref(handle), ctypes.byref(error)),
                   error)
        finally:
            lib.flagc_options_free(made)
        return cls(handle.value)

    def close(self) -> None:
        """Frees the bundle now; it cannot be used afterwards."""
        handle, self._handle = self._handle, None
        if handle is not None and handle.value:
            self._lib.flagc_bundle_free(handle)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self) -> "Bundle":
        return self

    def __exit__(self, *exception) -> None:
        self.close()

    def _bundle(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise FlagcError("INVALID_ARGUMENT", "the bundle is closed")
        return self._handle

    @property
    def flag_keys(self) -> List[str]:
        """Every flag's key, in the bundle's order."""
        bundle = self._bundle()
        return [self._lib.flagc_bundle_flag_key(bundle, index).decode()
                for index in range(self._lib.flagc_bundle_flag_count(bundle))]

    def _flag(self, key: str) -> Optional[_Flag]:
        flag = self._flags.get(key)
        if flag is not None or key in self._flags:
            return flag
        with self._flags_lock:
            bundle = self._bundle()
            encoded = key.encode()
            handle = ctypes.c_uint64()
            status = self._lib.flagc_bundle_flag(bundle, encoded, len(encoded), ctypes.byref(handle))
            flag = _Flag(self._lib, bundle, key, handle.value) if status == 0 else None
            self._flags[key] = flag
        return flag

    def flag_type(self, key: str) -> Optional[str]:
        """``boolean``, ``string``, ``integer``, ``number`` or ``object``; None for an unknown key."""
        flag = self._flag(key)
        return flag.type if flag else None

    def variants(self, key: str) -> Optional[dict]:
        """The flag's variants, name to value, in their defined order; None for an unknown key."""
        flag = self._flag(key)
        return dict(zip(flag.variant_names, flag.variant_values)) if flag else None

    def evaluate(self, key: str, context: Union[Mapping[str, Any], str, bytes, None] = None,
                 default: Any = None) -> EvaluationDetail:
        """Evaluates flag ``key`` for ``context``: a dict whose members are ``targetingKey`` and the
        attributes (or that object's JSON text). Never raises for a missing flag or a bad context:
        the detail then carries ``default``, reason ``ERROR`` and an error code."""
        flag = self._flag(key)
        if flag is None:
            return EvaluationDetail(key, default, None, "ERROR", None, "FLAG_NOT_FOUND",
                                    f"flag '{key}' is not in the bundle")
        try:
            text = _context_text(context)
        except (TypeError, ValueError) as error:  # not JSON: NaN, an unknown type
            return EvaluationDetail(key, default, None, "ERROR", None, "PARSE_ERROR", str(error))
        result = _results.__dict__.get("result")
        if result is None:
            result = _results.result = _Result()
        self._lib.flagc_evaluate_json(self._bundle(), flag.handle, text, len(text), ctypes.byref(result))
        variant = result.variant
        if variant < 0:
            code = _ERROR_CODES[result.error_code] if 0 <= result.error_code < len(_ERROR_CODES) else "GENERAL"
            message = result.error_message.decode() if result.error_message else None
            return EvaluationDetail(key, default, None, "ERROR", None, code, message)
        return EvaluationDetail(
            key,
            flag.variant_values[variant],
            flag.variant_names[variant],
            _REASONS[result.reason],
            flag.rule_names[result.rule] if result.rule >= 0 else None,
        )

    def evaluate_many(self, key: str, contexts: Union[Iterable[Mapping[str, Any]], bytes],
                      default: Any = None) -> EvaluationColumns:
        """Evaluates flag ``key`` for many contexts in one call: dicts, or JSON Lines bytes (one
        context object per line, as ``pandas.DataFrame.to_json(orient="records", lines=True)`` writes).
        Returns columns; a context that is not a JSON object gets ``default`` and ``PARSE_ERROR``."""
        return self.evaluate_many_flags([key], contexts, default)[key]

    def evaluate_many_flags(self, keys: Sequence[str], contexts: Union[Iterable[Mapping[str, Any]], bytes],
                            default: Any = None) -> dict:
        """``evaluate_many`` for several flags: each context is parsed once and evaluated for every
        flag of ``keys``. Returns a dict of key to ``EvaluationColumns``."""
        if isinstance(contexts, (bytes, bytearray, memoryview)):
            data = bytes(contexts)
            count = _line_count(data)
        else:
            lines = [_context_line(context) for context in contexts]
            count = len(lines)
            data = b"\n".join(lines)
        keys = list(dict.fromkeys(keys))
        known = [flag for flag in (self._flag(key) for key in keys) if flag is not None]
        size = len(known) * count
        variants, reasons, codes, rules = (array("i", bytes(4 * size)) for _ in range(4))
        if size:
            handles = (ctypes.c_uint64 * len(known))(*(flag.handle for flag in known))
            status = self._lib.flagc_evaluate_flags_many_json(
                self._bundle(), handles, len(known), data, len(data), count,
                *(column.buffer_info()[0] for column in (variants, reasons, codes, rules)))
            _check(status, ctypes.c_void_p())
        results = {}
        for key in keys:
            flag = self._flag(key)
            if flag is None:
                results[key] = EvaluationColumns(key, array("i", [-1]) * count, [default] * count, [None] * count,
                                                 ["ERROR"] * count, [None] * count, ["FLAG_NOT_FOUND"] * count, [], [])
                continue
            column = known.index(flag)
            window = slice(column * count, (column + 1) * count)
            indices = variants[window]
            names, values, rule_names = flag.variant_names, flag.variant_values, flag.rule_names
            results[key] = EvaluationColumns(
                key,
                indices,
                [values[index] if index >= 0 else default for index in indices],
                [names[index] if index >= 0 else None for index in indices],
                [_REASONS[index] for index in reasons[window]],
                [rule_names[index] if index >= 0 else None for index in rules[window]],
                [_ERROR_CODES[index] for index in codes[window]],
                list(names),
                list(values),
            )
        return results


def _json_default(value):
    # numpy scalars and other number-likes that the json module does not know
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"a context attribute of type {type(value).__name__} is not JSON")


# One encoder for every context (json.dumps with options makes a new one per call).
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default).encode


def _context_text(context) -> bytes:
    if type(context) is dict:
        return _encode(context).encode()
    if context is None:
        return b"{}"
    if isinstance(context, bytes):
        return context
    if isinstance(context, str):
        return context.encode()
    return _encode(dict(context)).encode()


def _context_line(context) -> bytes:
    """A context as one line of JSON Lines; one that is not JSON (NaN, an unknown type) becomes a line
    the library answers with PARSE_ERROR, like any malformed line."""
    try:
        text = _context_text(context)
    except (TypeError, ValueError):
        return b"!"
    return text if b"\n" not in text else b"!"


def _line_count(data: bytes) -> int:
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
