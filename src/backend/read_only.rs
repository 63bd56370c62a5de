//! `--read-only` at one door: [`super::open`] and [`super::open_target`]
//! wrap every backend they open in [`ReadOnly`] when asked, so every
//! operation that changes a source (send, drain, purge, native move) is
//! refused here, whichever command or screen asks for it, and the
//! backend's capabilities offer none of them. Reading is passed through.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::mpsc;

use super::{
    Acknowledged, Backend, BackendError, Capabilities, Drain, HoldCaution, HoldStatus, NativeMove,
    NativeMoveControl, Operation, Record, Sent, SourceInfo,
};
use crate::model::Event;

/// A backend that can only be read.
pub struct ReadOnly {
    inner: Arc<dyn Backend>,
}

impl ReadOnly {
    /// `backend`, read-only when `read_only`, else as it is.
    pub fn guard(backend: Arc<dyn Backend>, read_only: bool) -> Arc<dyn Backend> {
        if read_only {
            Arc::new(ReadOnly { inner: backend })
        } else {
            backend
        }
    }

    fn refused(&self) -> BackendError {
        BackendError::ReadOnly {
            uri: self.inner.uri().to_string(),
        }
    }
}

#[async_trait]
impl Backend for ReadOnly {
    fn uri(&self) -> &str {
        self.inner.uri()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            read_only: true,
            ..self.inner.capabilities()
        }
    }

    async fn describe(&self) -> Result<SourceInfo, BackendError> {
        self.inner.describe().await
    }

    async fn identify(&self) -> Result<SourceInfo, BackendError> {
        self.inner.identify().await
    }

    async fn browse(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<usize, BackendError> {
        self.inner.browse(limit, sink).await
    }

    async fn tail(&self, sink: mpsc::Sender<Vec<Record>>) -> Result<(), BackendError> {
        self.inner.tail(sink).await
    }

    async fn send(&self, _events: &[Event]) -> Result<Vec<Sent>, BackendError> {
        Err(self.refused())
    }

    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError> {
        Err(self.refused())
    }

    fn file_identity(&self) -> Option<crate::capture::FileId> {
        self.inner.file_identity()
    }

    fn notices(&self) -> Vec<String> {
        self.inner.notices()
    }

    async fn redrive_target(&self) -> Result<Option<String>, BackendError> {
        self.inner.redrive_target().await
    }

    fn browse_caution(&self) -> Option<String> {
        self.inner.browse_caution()
    }

    fn browse_note(&self) -> Option<String> {
        self.inner.browse_note()
    }

    async fn follow(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<(), BackendError> {
        self.inner.follow(limit, sink).await
    }

    async fn hold_caution(&self) -> Result<Option<HoldCaution>, BackendError> {
        self.inner.hold_caution().await
    }

    fn hold_status(&self) -> Option<HoldStatus> {
        self.inner.hold_status()
    }

    fn cannot(&self, operation: Operation) -> Option<String> {
        self.inner.cannot(operation)
    }

    async fn redrive_acknowledged(&self) -> Option<Arc<dyn Acknowledged>> {
        self.inner.redrive_acknowledged().await
    }

    async fn purge(&self) -> Result<(), BackendError> {
        Err(self.refused())
    }

    async fn native_move(
        &self,
        _target: &str,
        _control: &NativeMoveControl<'_>,
    ) -> Result<NativeMove, BackendError> {
        Err(self.refused())
    }
}
