//! The multi-page PDF the pdf.js test opens, written by the test (no downloaded file):
//! each page's objects follow a block of padding, so that the pages lie in different
//! 64 KiB chunks of a file well over pdf.js's range threshold (two chunks), and the
//! cross-reference table pdf.js reads first is at the very end.

use std::fmt::Write;

/// The size of the padding before each page's objects.
const PADDING: usize = 200 * 1024;

/// The text line drawn on page `number` (1-based) of `pages`.
pub fn page_heading(number: usize, pages: usize) -> String {
    format!("Heron notes, page {number} of {pages}")
}

/// A PDF of `pages` letter-size pages, each with its heading in Helvetica.
pub fn birds_pdf(pages: usize) -> Vec<u8> {
    let mut pdf = PdfWriter::default();
    pdf.bytes.extend_from_slice(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
    let page_ids: Vec<usize> = (0..pages).map(|k| 5 + 3 * k).collect();
    pdf.object(1, b"<< /Type /Catalog /Pages 2 0 R >>");
    let kids: String = page_ids.iter().map(|id| format!("{id} 0 R ")).collect();
    pdf.object(2, format!("<< /Type /Pages /Kids [{kids}] /Count {pages} >>").as_bytes());
    pdf.object(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
    for (k, &page_id) in page_ids.iter().enumerate() {
        pdf.stream(page_id - 1, &padding(PADDING, k as u32 + 1));
        let content = format!(
            "BT /F1 28 Tf 72 700 Td ({}) Tj ET\nBT /F1 14 Tf 72 660 Td (Wading birds of the marsh, section {}.) Tj ET\n",
            page_heading(k + 1, pages),
            k + 1
        );
        pdf.object(
            page_id,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> \
                 /Contents {} 0 R >>",
                page_id + 1
            )
            .as_bytes(),
        );
        pdf.stream(page_id + 1, content.as_bytes());
    }
    pdf.finish()
}

/// Hex digits from a xorshift generator: incompressible enough, and never a PDF keyword.
fn padding(len: usize, seed: u32) -> Vec<u8> {
    let mut x = 0x9e37_79b9u32 ^ seed.wrapping_mul(0x85eb_ca6b);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            b"0123456789abcdef"[(x & 15) as usize]
        })
        .collect()
}

/// Objects written in order, with their offsets kept for the cross-reference table.
#[derive(Default)]
struct PdfWriter {
    bytes: Vec<u8>,
    offsets: Vec<(usize, usize)>,
}

impl PdfWriter {
    fn object(&mut self, id: usize, body: &[u8]) {
        self.offsets.push((id, self.bytes.len()));
        self.bytes.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        self.bytes.extend_from_slice(body);
        self.bytes.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, id: usize, data: &[u8]) {
        let mut body = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.object(id, &body);
    }

    fn finish(mut self) -> Vec<u8> {
        self.offsets.sort_unstable();
        let size = self.offsets.len() + 1;
        let xref = self.bytes.len();
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for (_, offset) in &self.offsets {
            let _ = writeln!(table, "{offset:010} 00000 n ");
        }
        let _ = write!(table, "trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        self.bytes.extend_from_slice(table.as_bytes());
        self.bytes
    }
}
