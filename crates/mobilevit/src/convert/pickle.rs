//! A pickle reader that builds data, never code.
//!
//! Python's pickle format is a small stack machine whose `GLOBAL` and `REDUCE` opcodes can name
//! and call any Python function. This reader interprets the opcodes that build plain data
//! (numbers, strings, bytes, lists, tuples, dicts, sets) and accepts a `GLOBAL` only when the
//! caller's whitelist names it: anything else is an error, before any value is built from it.
//! Of the whitelisted globals, a few are given meaning (`collections.OrderedDict`, numpy's array
//! and dtype reconstruction, `_codecs.encode`); the others (PyTorch's tensor rebuild calls, for
//! instance) are kept as symbolic calls for the caller to read.
//!
//! Objects live in an arena and the stack and memo hold indices, so that mutating an object
//! (`SETITEMS` on a memoised dict, `BUILD` on a memoised dtype) is seen by every reference to
//! it, as in Python.

use std::collections::HashMap;

/// What went wrong while reading a pickle.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PickleError {
    /// The pickle names a global the caller does not allow.
    #[error(
        "refusing the pickled global '{module}.{name}': only tensors, numpy arrays, dicts, \
         lists, tuples and plain values are read (nothing in the file is ever executed)"
    )]
    Forbidden {
        /// Module of the global.
        module: String,
        /// Name of the global.
        name: String,
    },
    /// An opcode this reader does not interpret.
    #[error("unsupported pickle opcode 0x{0:02x}")]
    UnsupportedOpcode(u8),
    /// The data ends early or is inconsistent.
    #[error("malformed pickle: {0}")]
    Malformed(String),
}

type Result<T> = std::result::Result<T, PickleError>;

/// Index of an object in a [`Pickle`].
pub type ObjectId = usize;

/// A numpy array, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    /// Shape.
    pub shape: Vec<usize>,
    /// Element type, numpy's character code with its size (`f4`, `f8`, `i8`, ...).
    pub dtype: String,
    /// Byte order: `<`, `>`, `|` or `=`.
    pub byte_order: char,
    /// Whether the data is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// Raw element bytes.
    pub data: Vec<u8>,
}

/// A numpy dtype, as pickled (`numpy.dtype('f4')` then `BUILD` with the byte order).
#[derive(Debug, Clone, PartialEq)]
pub struct Dtype {
    /// Character code with size (`f4`).
    pub code: String,
    /// Byte order.
    pub byte_order: char,
}

/// A value built by the reader.
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An integer that fits 64 bits.
    Int(i64),
    /// A larger integer, little-endian two's complement.
    BigInt(Vec<u8>),
    /// A float.
    Float(f64),
    /// A text string (Python 2 strings are read as Latin-1 text).
    Str(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A list (sets are read as lists too).
    List(Vec<ObjectId>),
    /// A tuple.
    Tuple(Vec<ObjectId>),
    /// A dict, in insertion order.
    Dict(Vec<(ObjectId, ObjectId)>),
    /// A whitelisted global: a class or function reference.
    Global {
        /// Module.
        module: String,
        /// Name.
        name: String,
    },
    /// A numpy array.
    Array(NdArray),
    /// A numpy dtype.
    Dtype(Dtype),
    /// A call of a whitelisted global that the reader leaves to the caller, with the state a
    /// later `BUILD` gave it.
    Call {
        /// The global called.
        callable: ObjectId,
        /// Its arguments (a tuple).
        args: ObjectId,
        /// `BUILD` state, if any.
        state: Option<ObjectId>,
    },
    /// A persistent id (PyTorch uses them to point at tensor storages).
    Persistent(ObjectId),
}

/// The globals a reader accepts, as `(module, name)` pairs.
pub type Whitelist = &'static [(&'static str, &'static str)];

/// A decoded pickle: its objects and the root.
#[derive(Debug, Clone)]
pub struct Pickle {
    objects: Vec<Object>,
    /// The value the pickle evaluates to.
    pub root: ObjectId,
}

impl Pickle {
    /// The object at `id`.
    pub fn get(&self, id: ObjectId) -> &Object {
        &self.objects[id]
    }

    /// The text of a string object.
    pub fn str(&self, id: ObjectId) -> Option<&str> {
        match self.get(id) {
            Object::Str(text) => Some(text),
            _ => None,
        }
    }
}

/// Reads one pickle from the start of `bytes`. Returns it and the number of bytes consumed
/// (files such as PyTorch's legacy format hold several pickles back to back).
pub fn read(bytes: &[u8], whitelist: Whitelist) -> Result<(Pickle, usize)> {
    let mut machine = Machine {
        input: bytes,
        position: 0,
        whitelist,
        objects: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
    };
    let root = machine.run()?;
    let consumed = machine.position;
    Ok((
        Pickle {
            objects: machine.objects,
            root,
        },
        consumed,
    ))
}

struct Machine<'a> {
    input: &'a [u8],
    position: usize,
    whitelist: Whitelist,
    objects: Vec<Object>,
    stack: Vec<ObjectId>,
    marks: Vec<usize>,
    memo: HashMap<u64, ObjectId>,
}

mod op {
    pub const MARK: u8 = b'(';
    pub const STOP: u8 = b'.';
    pub const POP: u8 = b'0';
    pub const POP_MARK: u8 = b'1';
    pub const DUP: u8 = b'2';
    pub const FLOAT: u8 = b'F';
    pub const INT: u8 = b'I';
    pub const BININT: u8 = b'J';
    pub const BININT1: u8 = b'K';
    pub const LONG: u8 = b'L';
    pub const BININT2: u8 = b'M';
    pub const NONE: u8 = b'N';
    pub const PERSID: u8 = b'P';
    pub const BINPERSID: u8 = b'Q';
    pub const REDUCE: u8 = b'R';
    pub const STRING: u8 = b'S';
    pub const BINSTRING: u8 = b'T';
    pub const SHORT_BINSTRING: u8 = b'U';
    pub const UNICODE: u8 = b'V';
    pub const BINUNICODE: u8 = b'X';
    pub const APPEND: u8 = b'a';
    pub const BUILD: u8 = b'b';
    pub const GLOBAL: u8 = b'c';
    pub const DICT: u8 = b'd';
    pub const EMPTY_DICT: u8 = b'}';
    pub const APPENDS: u8 = b'e';
    pub const GET: u8 = b'g';
    pub const BINGET: u8 = b'h';
    pub const LONG_BINGET: u8 = b'j';
    pub const LIST: u8 = b'l';
    pub const EMPTY_LIST: u8 = b']';
    pub const PUT: u8 = b'p';
    pub const BINPUT: u8 = b'q';
    pub const LONG_BINPUT: u8 = b'r';
    pub const SETITEM: u8 = b's';
    pub const TUPLE: u8 = b't';
    pub const EMPTY_TUPLE: u8 = b')';
    pub const SETITEMS: u8 = b'u';
    pub const BINFLOAT: u8 = b'G';
    pub const BINBYTES: u8 = b'B';
    pub const SHORT_BINBYTES: u8 = b'C';
    pub const PROTO: u8 = 0x80;
    pub const NEWOBJ: u8 = 0x81;
    pub const TUPLE1: u8 = 0x85;
    pub const TUPLE2: u8 = 0x86;
    pub const TUPLE3: u8 = 0x87;
    pub const NEWTRUE: u8 = 0x88;
    pub const NEWFALSE: u8 = 0x89;
    pub const LONG1: u8 = 0x8a;
    pub const LONG4: u8 = 0x8b;
    pub const SHORT_BINUNICODE: u8 = 0x8c;
    pub const BINUNICODE8: u8 = 0x8d;
    pub const BINBYTES8: u8 = 0x8e;
    pub const EMPTY_SET: u8 = 0x8f;
    pub const ADDITEMS: u8 = 0x90;
    pub const FROZENSET: u8 = 0x91;
    pub const STACK_GLOBAL: u8 = 0x93;
    pub const MEMOIZE: u8 = 0x94;
    pub const FRAME: u8 = 0x95;
    pub const BYTEARRAY8: u8 = 0x96;
}

impl Machine<'_> {
    fn run(&mut self) -> Result<ObjectId> {
        loop {
            let opcode = self.byte()?;
            if opcode == op::STOP {
                return self.pop();
            }
            self.step(opcode)?;
        }
    }

    fn step(&mut self, opcode: u8) -> Result<()> {
        match opcode {
            op::PROTO => {
                self.byte()?;
            }
            op::FRAME => {
                self.take(8)?;
            }
            op::MARK => self.marks.push(self.stack.len()),
            op::POP => {
                self.pop()?;
            }
            op::POP_MARK => {
                self.pop_mark()?;
            }
            op::DUP => {
                let top = self.peek()?;
                self.stack.push(top);
            }
            op::NONE => self.push(Object::None),
            op::NEWTRUE => self.push(Object::Bool(true)),
            op::NEWFALSE => self.push(Object::Bool(false)),
            op::BININT => {
                let value = i32::from_le_bytes(self.array()?);
                self.push(Object::Int(value.into()));
            }
            op::BININT1 => {
                let value = self.byte()?;
                self.push(Object::Int(value.into()));
            }
            op::BININT2 => {
                let value = u16::from_le_bytes(self.array()?);
                self.push(Object::Int(value.into()));
            }
            op::INT => self.text_int()?,
            op::LONG => {
                let line = self.line()?;
                let digits = line.trim_end_matches('L');
                let object = parse_int(digits)?;
                self.push(object);
            }
            op::LONG1 => {
                let length = self.byte()? as usize;
                self.long(length)?;
            }
            op::LONG4 => {
                let length = self.length4()?;
                self.long(length)?;
            }
            op::BINFLOAT => {
                let value = f64::from_be_bytes(self.array()?);
                self.push(Object::Float(value));
            }
            op::FLOAT => {
                let line = self.line()?;
                let value = line
                    .trim()
                    .parse()
                    .map_err(|_| malformed(format!("bad float '{line}'")))?;
                self.push(Object::Float(value));
            }
            op::BINUNICODE => {
                let length = self.length4()?;
                self.unicode(length)?;
            }
            op::SHORT_BINUNICODE => {
                let length = self.byte()? as usize;
                self.unicode(length)?;
            }
            op::BINUNICODE8 => {
                let length = self.length8()?;
                self.unicode(length)?;
            }
            op::UNICODE => {
                let line = self.line()?;
                self.push(Object::Str(line));
            }
            op::BINSTRING => {
                let length = self.length4()?;
                self.latin1(length)?;
            }
            op::SHORT_BINSTRING => {
                let length = self.byte()? as usize;
                self.latin1(length)?;
            }
            op::STRING => {
                let line = self.line()?;
                let quoted = line.trim();
                let text = quoted
                    .strip_prefix(['\'', '"'])
                    .and_then(|t| t.strip_suffix(['\'', '"']))
                    .ok_or_else(|| malformed(format!("bad string literal {quoted}")))?;
                self.push(Object::Str(text.to_string()));
            }
            op::BINBYTES => {
                let length = self.length4()?;
                self.bytes(length)?;
            }
            op::SHORT_BINBYTES => {
                let length = self.byte()? as usize;
                self.bytes(length)?;
            }
            op::BINBYTES8 | op::BYTEARRAY8 => {
                let length = self.length8()?;
                self.bytes(length)?;
            }
            op::EMPTY_DICT => self.push(Object::Dict(Vec::new())),
            op::EMPTY_LIST | op::EMPTY_SET => self.push(Object::List(Vec::new())),
            op::EMPTY_TUPLE => self.push(Object::Tuple(Vec::new())),
            op::DICT => {
                let items = self.pop_mark()?;
                let pairs = pairs(items)?;
                self.push(Object::Dict(pairs));
            }
            op::LIST => {
                let items = self.pop_mark()?;
                self.push(Object::List(items));
            }
            op::FROZENSET => {
                let items = self.pop_mark()?;
                self.push(Object::List(items));
            }
            op::TUPLE => {
                let items = self.pop_mark()?;
                self.push(Object::Tuple(items));
            }
            op::TUPLE1 | op::TUPLE2 | op::TUPLE3 => {
                let count = usize::from(opcode - op::TUPLE1 + 1);
                let start = self
                    .stack
                    .len()
                    .checked_sub(count)
                    .ok_or_else(|| malformed("stack underflow in TUPLE"))?;
                let items = self.stack.split_off(start);
                self.push(Object::Tuple(items));
            }
            op::APPEND => {
                let item = self.pop()?;
                self.extend_list(vec![item])?;
            }
            op::APPENDS | op::ADDITEMS => {
                let items = self.pop_mark()?;
                self.extend_list(items)?;
            }
            op::SETITEM => {
                let value = self.pop()?;
                let key = self.pop()?;
                self.extend_dict(vec![(key, value)])?;
            }
            op::SETITEMS => {
                let items = self.pop_mark()?;
                self.extend_dict(pairs(items)?)?;
            }
            op::BINGET => {
                let key = self.byte()?.into();
                self.get(key)?;
            }
            op::LONG_BINGET => {
                let key = u32::from_le_bytes(self.array()?).into();
                self.get(key)?;
            }
            op::GET => {
                let key = self.text_index()?;
                self.get(key)?;
            }
            op::BINPUT => {
                let key = self.byte()?.into();
                self.put(key)?;
            }
            op::LONG_BINPUT => {
                let key = u32::from_le_bytes(self.array()?).into();
                self.put(key)?;
            }
            op::PUT => {
                let key = self.text_index()?;
                self.put(key)?;
            }
            op::MEMOIZE => {
                let key = self.memo.len() as u64;
                self.put(key)?;
            }
            op::GLOBAL => {
                let module = self.line()?;
                let name = self.line()?;
                self.global(module, name)?;
            }
            op::STACK_GLOBAL => {
                let name = self.pop_str()?;
                let module = self.pop_str()?;
                self.global(module, name)?;
            }
            op::REDUCE | op::NEWOBJ => {
                let args = self.pop()?;
                let callable = self.pop()?;
                let result = self.call(callable, args)?;
                self.push(result);
            }
            op::BUILD => {
                let state = self.pop()?;
                let target = self.peek()?;
                self.build(target, state)?;
            }
            op::BINPERSID => {
                let id = self.pop()?;
                self.push(Object::Persistent(id));
            }
            op::PERSID => {
                let line = self.line()?;
                let id = self.alloc(Object::Str(line));
                self.push(Object::Persistent(id));
            }
            other => return Err(PickleError::UnsupportedOpcode(other)),
        }
        Ok(())
    }

    // --- input ---

    fn take(&mut self, count: usize) -> Result<&[u8]> {
        let end = self
            .position
            .checked_add(count)
            .filter(|&end| end <= self.input.len())
            .ok_or_else(|| malformed("the data ends early (truncated file?)"))?;
        let slice = &self.input[self.position..end];
        self.position = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn length4(&mut self) -> Result<usize> {
        Ok(u32::from_le_bytes(self.array()?) as usize)
    }

    fn length8(&mut self) -> Result<usize> {
        usize::try_from(u64::from_le_bytes(self.array()?))
            .map_err(|_| malformed("length does not fit in memory"))
    }

    fn line(&mut self) -> Result<String> {
        let rest = &self.input[self.position..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| malformed("unterminated text argument"))?;
        let text = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.position += end + 1;
        Ok(text)
    }

    fn text_index(&mut self) -> Result<u64> {
        let line = self.line()?;
        line.trim()
            .parse()
            .map_err(|_| malformed(format!("bad memo index '{line}'")))
    }

    fn text_int(&mut self) -> Result<()> {
        let line = self.line()?;
        let object = match line.trim() {
            "00" => Object::Bool(false),
            "01" => Object::Bool(true),
            digits => parse_int(digits)?,
        };
        self.push(object);
        Ok(())
    }

    fn long(&mut self, length: usize) -> Result<()> {
        let bytes = self.take(length)?.to_vec();
        let object = if bytes.len() <= 8 {
            let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
            let mut buffer = if negative { [0xff; 8] } else { [0; 8] };
            buffer[..bytes.len()].copy_from_slice(&bytes);
            Object::Int(i64::from_le_bytes(buffer))
        } else {
            Object::BigInt(bytes)
        };
        self.push(object);
        Ok(())
    }

    fn unicode(&mut self, length: usize) -> Result<()> {
        let bytes = self.take(length)?;
        let text = std::str::from_utf8(bytes)
            .map_err(|_| malformed("a string is not UTF-8"))?
            .to_string();
        self.push(Object::Str(text));
        Ok(())
    }

    fn latin1(&mut self, length: usize) -> Result<()> {
        let text = self.take(length)?.iter().map(|&b| char::from(b)).collect();
        self.push(Object::Str(text));
        Ok(())
    }

    fn bytes(&mut self, length: usize) -> Result<()> {
        let bytes = self.take(length)?.to_vec();
        self.push(Object::Bytes(bytes));
        Ok(())
    }

    // --- stack, memo, objects ---

    fn alloc(&mut self, object: Object) -> ObjectId {
        self.objects.push(object);
        self.objects.len() - 1
    }

    fn push(&mut self, object: Object) {
        let id = self.alloc(object);
        self.stack.push(id);
    }

    fn pop(&mut self) -> Result<ObjectId> {
        self.stack.pop().ok_or_else(|| malformed("stack underflow"))
    }

    fn peek(&self) -> Result<ObjectId> {
        self.stack
            .last()
            .copied()
            .ok_or_else(|| malformed("stack underflow"))
    }

    fn pop_mark(&mut self) -> Result<Vec<ObjectId>> {
        let mark = self.marks.pop().ok_or_else(|| malformed("no MARK"))?;
        if mark > self.stack.len() {
            return Err(malformed("MARK above the stack"));
        }
        Ok(self.stack.split_off(mark))
    }

    fn pop_str(&mut self) -> Result<String> {
        let id = self.pop()?;
        match &self.objects[id] {
            Object::Str(text) => Ok(text.clone()),
            other => Err(malformed(format!("expected a name, got {other:?}"))),
        }
    }

    fn get(&mut self, key: u64) -> Result<()> {
        let id = *self
            .memo
            .get(&key)
            .ok_or_else(|| malformed(format!("memo key {key} is not set")))?;
        self.stack.push(id);
        Ok(())
    }

    fn put(&mut self, key: u64) -> Result<()> {
        let id = self.peek()?;
        self.memo.insert(key, id);
        Ok(())
    }

    fn extend_list(&mut self, items: Vec<ObjectId>) -> Result<()> {
        let target = self.peek()?;
        match &mut self.objects[target] {
            Object::List(list) => {
                list.extend(items);
                Ok(())
            }
            other => Err(malformed(format!("APPEND to a non-list {other:?}"))),
        }
    }

    fn extend_dict(&mut self, items: Vec<(ObjectId, ObjectId)>) -> Result<()> {
        let target = self.peek()?;
        match &mut self.objects[target] {
            Object::Dict(dict) => {
                dict.extend(items);
                Ok(())
            }
            other => Err(malformed(format!("SETITEM on a non-dict {other:?}"))),
        }
    }

    fn global(&mut self, module: String, name: String) -> Result<()> {
        let allowed = self
            .whitelist
            .iter()
            .any(|&(m, n)| m == module && n == name);
        if !allowed {
            return Err(PickleError::Forbidden { module, name });
        }
        self.push(Object::Global { module, name });
        Ok(())
    }

    fn args(&self, args: ObjectId) -> Result<Vec<ObjectId>> {
        match &self.objects[args] {
            Object::Tuple(items) => Ok(items.clone()),
            other => Err(malformed(format!(
                "call arguments are not a tuple: {other:?}"
            ))),
        }
    }

    /// `REDUCE`: the calls given meaning here, or a symbolic call.
    fn call(&mut self, callable: ObjectId, args: ObjectId) -> Result<Object> {
        let (module, name) = match &self.objects[callable] {
            Object::Global { module, name } => (module.clone(), name.clone()),
            other => return Err(malformed(format!("call of a non-global {other:?}"))),
        };
        let arguments = self.args(args)?;
        match (module.as_str(), name.as_str()) {
            ("collections", "OrderedDict") => match arguments.as_slice() {
                [] => Ok(Object::Dict(Vec::new())),
                [items] => self.ordered_dict_from(*items),
                _ => Err(malformed("OrderedDict takes at most one argument")),
            },
            ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => {
                Ok(Object::Array(NdArray {
                    shape: Vec::new(),
                    dtype: String::new(),
                    byte_order: '=',
                    fortran_order: false,
                    data: Vec::new(),
                }))
            }
            ("numpy", "dtype") => {
                let code = arguments
                    .first()
                    .and_then(|&id| match &self.objects[id] {
                        Object::Str(code) => Some(code.clone()),
                        _ => None,
                    })
                    .ok_or_else(|| malformed("numpy.dtype without a type code"))?;
                Ok(Object::Dtype(Dtype {
                    code,
                    byte_order: '=',
                }))
            }
            ("_codecs", "encode") => match arguments.as_slice() {
                [text, ..] => match &self.objects[*text] {
                    // numpy's Python 2 pickles carry bytes as Latin-1 text.
                    Object::Str(text) => Ok(Object::Bytes(text.chars().map(|c| c as u8).collect())),
                    other => Err(malformed(format!("_codecs.encode of {other:?}"))),
                },
                _ => Err(malformed("_codecs.encode without arguments")),
            },
            _ => Ok(Object::Call {
                callable,
                args,
                state: None,
            }),
        }
    }

    fn ordered_dict_from(&self, items: ObjectId) -> Result<Object> {
        let Object::List(entries) = &self.objects[items] else {
            return Err(malformed("OrderedDict argument is not a list"));
        };
        let mut pairs = Vec::with_capacity(entries.len());
        for &entry in entries {
            match &self.objects[entry] {
                Object::Tuple(pair) if pair.len() == 2 => pairs.push((pair[0], pair[1])),
                other => return Err(malformed(format!("OrderedDict item {other:?}"))),
            }
        }
        Ok(Object::Dict(pairs))
    }

    /// `BUILD`: set the state of an array, a dtype or a symbolic call; other objects
    /// (an `OrderedDict` carrying PyTorch's `_metadata`, say) keep theirs.
    fn build(&mut self, target: ObjectId, state: ObjectId) -> Result<()> {
        match &self.objects[target] {
            Object::Array(_) => {
                let array = self.array_state(state)?;
                self.objects[target] = Object::Array(array);
            }
            Object::Dtype(dtype) => {
                let mut dtype = dtype.clone();
                if let Object::Tuple(fields) = &self.objects[state]
                    && let Some(Object::Str(order)) = fields.get(1).map(|&id| &self.objects[id])
                {
                    dtype.byte_order = order.chars().next().unwrap_or('=');
                }
                self.objects[target] = Object::Dtype(dtype);
            }
            Object::Call { callable, args, .. } => {
                self.objects[target] = Object::Call {
                    callable: *callable,
                    args: *args,
                    state: Some(state),
                };
            }
            _ => {}
        }
        Ok(())
    }

    /// numpy's `ndarray.__setstate__((version, shape, dtype, is_fortran, data))`.
    fn array_state(&self, state: ObjectId) -> Result<NdArray> {
        let Object::Tuple(fields) = &self.objects[state] else {
            return Err(malformed("numpy array state is not a tuple"));
        };
        let [_, shape, dtype, fortran, data] = fields.as_slice() else {
            return Err(malformed("numpy array state has not 5 fields"));
        };
        let shape = match &self.objects[*shape] {
            Object::Tuple(sides) => sides
                .iter()
                .map(|&side| match self.objects[side] {
                    Object::Int(value) if value >= 0 => Ok(value as usize),
                    _ => Err(malformed("bad numpy array shape")),
                })
                .collect::<Result<Vec<_>>>()?,
            _ => return Err(malformed("numpy array shape is not a tuple")),
        };
        let Object::Dtype(dtype) = &self.objects[*dtype] else {
            return Err(malformed("numpy array dtype is missing"));
        };
        let fortran_order = matches!(self.objects[*fortran], Object::Bool(true));
        let data = match &self.objects[*data] {
            Object::Bytes(bytes) => bytes.clone(),
            Object::Str(text) => text.chars().map(|c| c as u8).collect(),
            other => return Err(malformed(format!("numpy array data is {other:?}"))),
        };
        Ok(NdArray {
            shape,
            dtype: dtype.code.clone(),
            byte_order: dtype.byte_order,
            fortran_order,
            data,
        })
    }
}

fn malformed(message: impl Into<String>) -> PickleError {
    PickleError::Malformed(message.into())
}

fn parse_int(digits: &str) -> Result<Object> {
    digits
        .trim()
        .parse()
        .map(Object::Int)
        .map_err(|_| malformed(format!("bad integer '{digits}'")))
}

fn pairs(items: Vec<ObjectId>) -> Result<Vec<(ObjectId, ObjectId)>> {
    if !items.len().is_multiple_of(2) {
        return Err(malformed("odd number of dict items"));
    }
    Ok(items.chunks(2).map(|pair| (pair[0], pair[1])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Whitelist = &[];

    #[test]
    fn plain_data_round_trips() {
        // pickle.dumps({'a': [1, 2.5, None, True], 'b': (b'xy', 'z')}, protocol=4)
        let bytes = b"\x80\x04\x95\x29\x00\x00\x00\x00\x00\x00\x00\x7d\x94\x28\x8c\x01a\x94\x5d\x94\x28K\x01G\x40\x04\x00\x00\x00\x00\x00\x00N\x88e\x8c\x01b\x94C\x02xy\x94\x8c\x01z\x94\x86\x94u.";
        let (pickle, consumed) = read(bytes, NONE).unwrap();
        assert_eq!(consumed, bytes.len());
        let Object::Dict(items) = pickle.get(pickle.root) else {
            panic!("not a dict")
        };
        assert_eq!(items.len(), 2);
        assert_eq!(pickle.str(items[0].0), Some("a"));
        let Object::List(list) = pickle.get(items[0].1) else {
            panic!("not a list")
        };
        let values: Vec<_> = list.iter().map(|&id| pickle.get(id).clone()).collect();
        assert_eq!(
            values,
            [
                Object::Int(1),
                Object::Float(2.5),
                Object::None,
                Object::Bool(true)
            ]
        );
        let Object::Tuple(pair) = pickle.get(items[1].1) else {
            panic!("not a tuple")
        };
        assert_eq!(pickle.get(pair[0]), &Object::Bytes(b"xy".to_vec()));
        assert_eq!(pickle.str(pair[1]), Some("z"));
    }

    #[test]
    fn a_global_outside_the_whitelist_is_refused() {
        // pickle.dumps(os.system, protocol=2)
        let bytes = b"\x80\x02cposix\x0asystem\x0aq\x00.";
        let error = read(bytes, NONE).unwrap_err();
        assert_eq!(
            error,
            PickleError::Forbidden {
                module: "posix".into(),
                name: "system".into()
            }
        );
        // The same through STACK_GLOBAL (protocol 4).
        let bytes = b"\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94.";
        assert!(matches!(
            read(bytes, NONE),
            Err(PickleError::Forbidden { .. })
        ));
    }

    #[test]
    fn truncated_data_is_an_error() {
        let bytes = b"\x80\x04\x8c\x10abc";
        assert!(matches!(read(bytes, NONE), Err(PickleError::Malformed(_))));
        assert!(read(b"", NONE).is_err());
    }

    #[test]
    fn numpy_arrays_are_rebuilt_from_their_state() {
        // pickle.dumps(np.arange(3, dtype='<f4'), protocol=4) from numpy 2.
        let bytes: &[u8] = b"\x80\x04\x95\x95\x00\x00\x00\x00\x00\x00\x00\x8c\x16numpy._core.multiarray\x94\x8c\x0c_reconstruct\x94\x93\x94\x8c\x05numpy\x94\x8c\x07ndarray\x94\x93\x94K\x00\x85\x94C\x01b\x94\x87\x94R\x94\x28K\x01K\x03\x85\x94h\x03\x8c\x05dtype\x94\x93\x94\x8c\x02f4\x94\x89\x88\x87\x94R\x94\x28K\x03\x8c\x01<\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b\x89C\x0c\x00\x00\x00\x00\x00\x00\x80\x3f\x00\x00\x00\x40\x94t\x94b.";
        let whitelist: Whitelist = &[
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        ];
        let (pickle, _) = read(bytes, whitelist).unwrap();
        let Object::Array(array) = pickle.get(pickle.root) else {
            panic!("not an array: {:?}", pickle.get(pickle.root))
        };
        assert_eq!(array.shape, [3]);
        assert_eq!(array.dtype, "f4");
        assert_eq!(array.byte_order, '<');
        let values: Vec<f32> = array
            .data
            .chunks(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        assert_eq!(values, [0.0, 1.0, 2.0]);
        assert!(matches!(
            read(bytes, &[]),
            Err(PickleError::Forbidden { .. })
        ));
    }
}
