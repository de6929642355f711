//! Schemas of request fields whose derived schema would accept more than the handlers
//! do: the document must refuse what the server refuses, so that a client generated
//! from it (or a fuzzer) sends only what is taken. Each replaces the field's whole
//! schema, its description included.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

use super::{MAX_LABEL_LEN, MAX_LABELS};

/// `identities` and `tags`: at most [`MAX_LABELS`] non-empty strings of at most
/// [`MAX_LABEL_LEN`] characters.
pub fn labels() -> ArrayBuilder {
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(MAX_LABEL_LEN)))
        .max_items(Some(MAX_LABELS))
        .description(Some("Names, emails or tags to find the visitor by (`#tag` for tags)."))
}

/// Flat metadata: string, number or boolean values only.
pub fn flat_metadata() -> ObjectBuilder {
    let scalar = ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Number, Type::Boolean]));
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .additional_properties(Some(scalar))
        .description(Some("Flat metadata: string, number or boolean values."))
}

/// The type of `all` of `DELETE /visitors` in the document: `true`, its one accepted value.
pub struct MustBeTrue;

impl PartialSchema for MustBeTrue {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().schema_type(Type::Boolean).enum_values(Some([true])).into()
    }
}

impl ToSchema for MustBeTrue {}

/// `branding.naked` is a boolean or the string `page_only`; the field stays a JSON
/// value so that anything else is our own `invalid_branding`, not a parse error.
pub fn naked() -> OneOfBuilder {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["page_only"])))
        .description(Some("`false` (default), `true` or `\"page_only\"`."))
        .default(Some(serde_json::Value::Bool(false)))
}
