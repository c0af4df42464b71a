//! Exact reads over a [`Read`], telling a clean end of file from a cut one.

use super::CaptureError;
use std::io::{self, Read};

/// Byte order of the file (pcap) or of the current section (pcapng).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endian {
    Little,
    Big,
}

impl Endian {
    pub(crate) fn u16(self, b: &[u8], at: usize) -> u16 {
        let a = [b[at], b[at + 1]];
        match self {
            Endian::Little => u16::from_le_bytes(a),
            Endian::Big => u16::from_be_bytes(a),
        }
    }

    pub(crate) fn u32(self, b: &[u8], at: usize) -> u32 {
        let a = [b[at], b[at + 1], b[at + 2], b[at + 3]];
        match self {
            Endian::Little => u32::from_le_bytes(a),
            Endian::Big => u32::from_be_bytes(a),
        }
    }

    pub(crate) fn u64(self, b: &[u8], at: usize) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[at..at + 8]);
        match self {
            Endian::Little => u64::from_le_bytes(a),
            Endian::Big => u64::from_be_bytes(a),
        }
    }
}

/// A reader with exact-length reads that report how much was there.
#[derive(Debug)]
pub(crate) struct Source<R> {
    inner: R,
}

impl<R: Read> Source<R> {
    pub(crate) fn new(inner: R) -> Self {
        Source { inner }
    }

    /// Fill as much of `buf` as the input has; the count read.
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }

    /// Read exactly `buf.len()` bytes or fail with [`CaptureError::Truncated`].
    pub(crate) fn exact(&mut self, buf: &mut [u8], context: &'static str) -> Result<(), CaptureError> {
        let got = self.fill(buf)?;
        if got < buf.len() {
            return Err(CaptureError::Truncated {
                context,
                needed: buf.len(),
                available: got,
            });
        }
        Ok(())
    }

    /// Like [`Source::exact`], but a clean end of input (no byte at all)
    /// gives `Ok(false)`.
    pub(crate) fn exact_or_eof(
        &mut self,
        buf: &mut [u8],
        context: &'static str,
    ) -> Result<bool, CaptureError> {
        let got = self.fill(buf)?;
        if got == 0 && !buf.is_empty() {
            return Ok(false);
        }
        if got < buf.len() {
            return Err(CaptureError::Truncated {
                context,
                needed: buf.len(),
                available: got,
            });
        }
        Ok(true)
    }

    /// Read exactly `n` bytes into `buf` (resized; capacity reused).
    pub(crate) fn exact_vec(
        &mut self,
        buf: &mut Vec<u8>,
        n: usize,
        context: &'static str,
    ) -> Result<(), CaptureError> {
        buf.clear();
        buf.resize(n, 0);
        self.exact(buf, context)
    }

    /// Discard exactly `n` bytes without buffering them.
    pub(crate) fn skip(&mut self, n: u64, context: &'static str) -> Result<(), CaptureError> {
        let got = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())?;
        if got < n {
            return Err(CaptureError::Truncated {
                context,
                needed: usize::try_from(n).unwrap_or(usize::MAX),
                available: usize::try_from(got).unwrap_or(usize::MAX),
            });
        }
        Ok(())
    }
}

impl<R> Source<R> {
    /// Give back the underlying reader.
    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}
