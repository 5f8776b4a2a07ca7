//! The `template-type="freemarker"` branch (Synapse's `FreeMarkerTemplateProcessor`), through
//! the FreeMarker engine of [`crate::freemarker`]: `Template::parse(source)` once when the
//! mediator is built, `Template::render(msg, args)` for each message.

use mediate_core::{MediationError, MessageContext};

use crate::freemarker::Template;

/// A compiled FreeMarker format.
#[derive(Debug)]
pub(super) struct FmTemplate {
    template: Template,
    /// `findRequiredInjections`: the payload is read only when the template mentions it.
    reads_body: bool,
    /// The arguments are evaluated only when the template mentions `args`.
    uses_args: bool,
}

impl FmTemplate {
    /// Compiles `source`; the error says where (`Error compiling FreeMarking template : …`,
    /// Synapse's text).
    pub(super) fn parse(source: &str) -> Result<Self, String> {
        let template = Template::parse(source)
            .map_err(|e| format!("Error compiling FreeMarking template : {e}"))?;
        Ok(Self {
            reads_body: template.references("payload"),
            uses_args: template.references("args"),
            template,
        })
    }

    /// Renders for `msg` with the prepared argument values (`args.arg1`…); a failure is
    /// Synapse's "Error parsing FreeMarker template, Syntax error or invalid reference : …".
    pub(super) fn render(
        &self,
        msg: &MessageContext,
        args: &[String],
    ) -> Result<String, MediationError> {
        self.template.render(msg, args).map_err(|e| {
            MediationError::mediator(format!(
                "Error parsing FreeMarker template, Syntax error or invalid reference : {} At \
                 line: {} column: {}",
                e.message, e.line, e.column
            ))
            .with_source(e)
        })
    }

    /// Whether the template reads the message body.
    pub(super) fn reads_body(&self) -> bool {
        self.reads_body
    }

    /// Whether the template uses `args`.
    pub(super) fn uses_args(&self) -> bool {
        self.uses_args
    }
}
