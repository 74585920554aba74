//! Who acts: an organization in a role, through one of its API keys. Front
//! doors take it from a bearer token (`extract`); services check it.

use uuid::Uuid;

use crate::domain::organization::OrgKind;
use crate::error::ApiError;

#[derive(Debug, Clone)]
pub struct Principal {
    pub org_id: Uuid,
    pub role: OrgKind,
    pub key_id: String,
}

impl Principal {
    /// Admit only the listed roles (403 otherwise: the caller is known).
    pub fn require(&self, roles: &[OrgKind]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "the {} role may not do this",
                self.role.as_str()
            )))
        }
    }

    pub fn is(&self, role: OrgKind) -> bool {
        self.role == role
    }
}

impl Principal {
    /// May this caller see something owned by `producer_id`? A producer sees
    /// only its own; everyone else with a token sees all.
    pub fn can_see(&self, producer_id: &str) -> bool {
        self.role != OrgKind::Producer || self.org_id.to_string() == producer_id
    }

    /// The producer a list must be narrowed to, if the caller is one.
    pub fn own_producer_scope(&self) -> Option<Uuid> {
        (self.role == OrgKind::Producer).then_some(self.org_id)
    }

    pub fn actor(&self) -> crate::db::audit::Actor {
        crate::db::audit::Actor {
            org_id: self.org_id,
            role: self.role,
        }
    }
}
