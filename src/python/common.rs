//! What every binding shares: argument checks that name the argument, the GIL-free,
//! interruptible driver for 1-D and 2-D kernels (outputs from numpy's allocator),
//! allocation that fails with `MemoryError` instead of aborting, and the thread pool
//! a forked child must use.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ndarray::{s, ArrayView2, Dimension, Ix1, Ix2};
use numpy::{
    PyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyMemoryError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::IntoPyDict;
use rayon::ThreadPool;

use crate::kernels::panel::map_column_groups;
use crate::kernels::window::Window;

/// The first batch of a 2-D call holds about this many cells; later batches are
/// sized so that each takes about `BATCH_TIME`, so Ctrl-C is honoured within about
/// that long in release and debug builds alike (tests/test_concurrency.py).
const FIRST_BATCH_CELLS: usize = 1 << 18;
const BATCH_TIME: Duration = Duration::from_millis(100);

/// A non-negative integer argument as usize.
pub fn non_negative(name: &str, value: i64) -> PyResult<usize> {
    usize::try_from(value)
        .map_err(|_| PyValueError::new_err(format!("{name}: must be >= 0, got {value}")))
}

/// The window: `window` rows, or, with `times`, a duration of `window` time units.
pub fn window_of<'a>(window: i64, times: Option<&'a [i64]>) -> PyResult<Window<'a>> {
    if window < 1 {
        return Err(PyValueError::new_err(format!(
            "window: must be >= 1, got {window}"
        )));
    }
    Ok(match times {
        Some(times) => Window::Span {
            times,
            span: window,
        },
        None => Window::Rows(non_negative("window", window)?),
    })
}

/// Borrow timestamps as a contiguous slice, copying only a strided view.
pub fn times_vec(times: Option<PyReadonlyArray1<'_, i64>>) -> Option<Vec<i64>> {
    times.map(|t| t.as_array().iter().copied().collect())
}

/// A 1-D array as a slice: borrowed when contiguous, copied when strided; a copy too
/// large for memory (a broadcast view such as `np.broadcast_to(1.0, 10**12)`) is a
/// `MemoryError` naming `name`, not an abort.
pub fn try_lane<'a>(name: &str, x: &'a PyReadonlyArray1<'_, f64>) -> PyResult<Cow<'a, [f64]>> {
    match x.as_slice() {
        Ok(slice) => Ok(Cow::Borrowed(slice)),
        Err(_) => {
            let view = x.as_array();
            let mut copy = alloc_f64(name, view.len())?;
            copy.iter_mut().zip(view.iter()).for_each(|(d, v)| *d = *v);
            Ok(Cow::Owned(copy))
        }
    }
}

/// `n` zeros, or `MemoryError` naming `name` when they cannot be allocated (never an
/// abort or a panic: the allocator's null is checked here, where numpy's allocator
/// would hand the numpy crate a NULL it turns into a panic).
pub fn alloc_f64(name: &str, n: usize) -> PyResult<Vec<f64>> {
    let too_large = || {
        PyMemoryError::new_err(format!(
            "{name}: cannot allocate {n} float64 values ({:.1} GB); use fewer rows or columns",
            (n as f64) * 8e-9
        ))
    };
    if n == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<f64>(n).map_err(|_| too_large())?;
    // Zeroed by the allocator (calloc: fresh pages come zeroed from the OS, so a big
    // output is not written twice), and null-checked instead of aborting.
    // SAFETY: `layout` has a non-zero size; a non-null block from the global allocator
    // with the layout of `n` f64s, all bits zero (0.0), is exactly what
    // `Vec::from_raw_parts(ptr, n, n)` takes ownership of.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<f64>();
    if ptr.is_null() {
        return Err(too_large());
    }
    Ok(unsafe { Vec::from_raw_parts(ptr, n, n) })
}

/// The cells of a `rows x cols` output, or `MemoryError` when that overflows.
pub fn cells(name: &str, rows: usize, cols: usize) -> PyResult<usize> {
    rows.checked_mul(cols)
        .filter(|n| *n <= isize::MAX as usize / 8)
        .ok_or_else(|| {
            PyMemoryError::new_err(format!(
                "{name}: an output of {rows} x {cols} values cannot exist"
            ))
        })
}

// ------------------------------------------------------------------------- fork

/// Set in a forked child (`os.register_at_fork`, python/capcycle/__init__.py).
static FORKED: AtomicBool = AtomicBool::new(false);
/// The pool a forked child runs parallel kernels on.
static CHILD_POOL: Mutex<Option<Arc<ThreadPool>>> = Mutex::new(None);

/// Called in the child after `os.fork()`. rayon's global pool lives on in the child's
/// memory but its worker threads do not (fork copies only the calling thread): a
/// parallel kernel would wait forever for them. From now on this process runs its
/// parallel kernels on a pool of its own, created on first use; the threads of a pool
/// inherited from a forking parent are forgotten, never joined.
#[pyfunction]
pub fn _after_fork_in_child() {
    FORKED.store(true, Ordering::SeqCst);
    let mut slot = CHILD_POOL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(inherited) = slot.take() {
        std::mem::forget(inherited);
    }
}

/// Run `f` (which may use rayon) where its parallel work can run: the global pool in
/// a process that never forked (no overhead), a pool of its own in a forked child.
pub fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if !FORKED.load(Ordering::SeqCst) {
        return f();
    }
    let pool = {
        let mut slot = CHILD_POOL.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            // honours RAYON_NUM_THREADS like the global pool
            *slot = rayon::ThreadPoolBuilder::new().build().ok().map(Arc::new);
        }
        slot.clone()
    };
    match pool {
        Some(pool) => pool.install(f),
        // no thread could be started: one thread, the caller's
        None => match rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
        {
            Ok(one) => one.install(f),
            Err(_) => f(),
        },
    }
}

/// A new zeroed float64 array of `shape` in Fortran order (columns contiguous), from
/// numpy's allocator: it backs large arrays with huge pages, where the first writes
/// to a block from ours fault once per 4 KB page (a sixth of the time of a 5,000 x
/// 2,000 rolling median z-score on a VM). An array too large for memory is numpy's
/// MemoryError, not an abort.
fn numpy_zeros<'py, D: Dimension>(
    py: Python<'py>,
    shape: Vec<usize>,
) -> PyResult<Bound<'py, PyArray<f64, D>>> {
    let order = [("order", "F")].into_py_dict(py)?;
    let zeros = py.import("numpy")?.getattr("zeros")?;
    Ok(zeros.call((shape,), Some(&order))?.cast_into()?)
}

/// Run a 1-D kernel without the GIL into a new array of `len` values.
pub fn fill_1d<'py, F>(
    py: Python<'py>,
    len: usize,
    kernel: F,
) -> PyResult<Bound<'py, PyArray1<f64>>>
where
    F: FnOnce(&mut [f64]) + Send,
{
    let out = numpy_zeros::<Ix1>(py, vec![len])?;
    {
        let mut values = out.readwrite();
        let values = values.as_slice_mut()?;
        py.detach(|| in_pool(|| kernel(values)));
    }
    py.check_signals()?;
    Ok(out)
}

/// Run a 2-D kernel without the GIL, a batch of columns at a time, into a new
/// Fortran-ordered array (columns contiguous). Between batches the GIL is taken back
/// to check for Ctrl-C, so a long panel stops promptly. `kernel(first_column, batch
/// of input columns, output batch)`.
pub fn fill_2d<'py, F>(
    py: Python<'py>,
    input: ArrayView2<'_, f64>,
    kernel: F,
) -> PyResult<Bound<'py, PyArray2<f64>>>
where
    F: Fn(usize, ArrayView2<'_, f64>, ndarray::ArrayViewMut2<'_, f64>) + Sync,
{
    let (rows, cols) = input.dim();
    cells("x", rows, cols)?;
    let array = numpy_zeros::<Ix2>(py, vec![rows, cols])?;
    let mut guard = array.readwrite();
    let mut out = guard.as_array_mut();
    let mut batch = (FIRST_BATCH_CELLS / rows.max(1)).max(1);
    let mut first = 0;
    while first < cols {
        let last = first.saturating_add(batch).min(cols);
        let columns = input.slice(s![.., first..last]);
        let out_columns = out.slice_mut(s![.., first..last]);
        let started = Instant::now();
        py.detach(|| in_pool(|| kernel(first, columns, out_columns)));
        py.check_signals()?;
        // size the next batch to take about BATCH_TIME (at most 4x the last one)
        let took = started.elapsed().as_secs_f64().max(1e-6);
        let scale = (BATCH_TIME.as_secs_f64() / took).clamp(0.25, 4.0);
        batch = (((last - first) as f64) * scale).max(1.0) as usize;
        first = last;
    }
    drop(guard);
    Ok(array)
}

/// A 1-D or 2-D float64 array argument.
pub enum Values<'py> {
    Lane(PyReadonlyArray1<'py, f64>),
    Panel(PyReadonlyArray2<'py, f64>),
}

impl<'py> Values<'py> {
    pub fn extract(name: &str, value: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(lane) = value.extract::<PyReadonlyArray1<'py, f64>>() {
            return Ok(Values::Lane(lane));
        }
        value
            .extract::<PyReadonlyArray2<'py, f64>>()
            .map(Values::Panel)
            .map_err(|_| {
                PyTypeError::new_err(format!("{name}: must be a 1-D or 2-D float64 array"))
            })
    }

    pub fn rows(&self) -> usize {
        match self {
            Values::Lane(a) => a.len(),
            Values::Panel(a) => a.shape()[0],
        }
    }
}

/// Run a validated lane kernel over a 1-D array, or over each column of a 2-D one
/// in parallel, into a new array of the same shape.
pub fn map_values<'py, F>(py: Python<'py>, x: Values<'py>, kernel: F) -> PyResult<Bound<'py, PyAny>>
where
    F: Fn(&[f64], &mut [f64]) + Sync,
{
    map_value_groups(py, x, |columns, outs| {
        for (column, out) in columns.iter().zip(outs.iter_mut()) {
            kernel(column, out)
        }
    })
}

/// [`map_values`] for kernels that take several columns at once (a 1-D array is a
/// group of one).
pub fn map_value_groups<'py, F>(
    py: Python<'py>,
    x: Values<'py>,
    kernel: F,
) -> PyResult<Bound<'py, PyAny>>
where
    F: Fn(&[&[f64]], &mut [&mut [f64]]) + Sync,
{
    Ok(match x {
        Values::Lane(x) => {
            let values = try_lane("x", &x)?;
            fill_1d(py, values.len(), |out| kernel(&[&values], &mut [out]))?.into_any()
        }
        Values::Panel(x) => fill_2d(py, x.as_array(), |_, columns, out| {
            map_column_groups(columns, None, out, |columns, _, outs| kernel(columns, outs))
        })?
        .into_any(),
    })
}
