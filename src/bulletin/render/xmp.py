"""The PDF/A variants claim PDF/UA as well, since the tagging pass makes them exactly as
accessible as the default PDF: `pdfuaid:part` in their XMP metadata, 1 for the PDF 1.x parts
(PDF/A-1, -2, -3, which accept only the XMP schemas they predefine or whose description the
file carries: so with the PDF/A extension schema that describes the pdfuaid namespace), and 2
(revision 2024, as WeasyPrint writes for `pdf/ua-2`) for PDF/A-4, a PDF 2.0 file, which
PDF/UA-1 (on ISO 32000-1) cannot describe."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pikepdf

NAMESPACES = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}
for _prefix, _uri in NAMESPACES.items():
    ET.register_namespace(_prefix, _uri)  # written with their usual prefixes, not ns0, ns1...
EXTENDED_PARTS = ("1", "2", "3")
"""The PDF/A parts that need an extension schema for a namespace they do not predefine."""
PDF_2_PARTS = {"4": ("2", "2024")}
"""The PDF/A parts on PDF 2.0, with the PDF/UA part and revision they claim."""
_START, _END = b"<x:xmpmeta", b"</x:xmpmeta>"


def claim_pdfua(pdf: pikepdf.Pdf) -> None:
    """Make a PDF/A file's XMP claim PDF/UA; a file that claims no PDF/A part, or already
    claims PDF/UA, is left as it is. The stream stays uncompressed, as WeasyPrint wrote it."""
    metadata = pdf.Root.get("/Metadata")
    if isinstance(metadata, pikepdf.Stream):
        packet = metadata.read_bytes()
        claimed = with_pdfua(packet)
        if claimed != packet:
            metadata.write(claimed)


def with_pdfua(packet: bytes) -> bytes:
    """An XMP packet with `pdfuaid:part` (and the schema's description where the PDF/A part
    needs it) in its one rdf:RDF; the packet's wrapper (`<?xpacket ...?>`) kept byte for byte."""
    start, end = packet.find(_START), packet.find(_END)
    if start < 0 or end < 0:
        return packet
    end += len(_END)
    meta = ET.fromstring(packet[start:end])
    rdf = meta.find("rdf:RDF", NAMESPACES)
    part = _property(meta, "pdfaid", "part")
    if rdf is None or part is None or _property(meta, "pdfuaid", "part") is not None:
        return packet
    claim = _description(rdf)
    ua_part, revision = PDF_2_PARTS.get(part, ("1", ""))
    claim.set(_name("pdfuaid", "part"), ua_part)
    if revision:
        _text(claim, "pdfuaid", "rev", revision)
    if part in EXTENDED_PARTS:
        _describe_pdfuaid(rdf)
    written: bytes = ET.tostring(meta, encoding="utf-8", xml_declaration=False)
    return packet[:start] + written + packet[end:]


def _name(prefix: str, local: str) -> str:
    return f"{{{NAMESPACES[prefix]}}}{local}"


def _property(meta: ET.Element, prefix: str, local: str) -> str | None:
    """The value of a simple XMP property, written as an attribute or an element."""
    for description in meta.iterfind("rdf:RDF/rdf:Description", NAMESPACES):
        value = description.get(_name(prefix, local))
        element = description.find(f"{prefix}:{local}", NAMESPACES)
        if value is None and element is not None:
            value = element.text or ""
        if value is not None:
            return value.strip()
    return None


def _description(rdf: ET.Element) -> ET.Element:
    """A new `rdf:Description` about the document, at the end of the rdf:RDF."""
    return ET.SubElement(rdf, _name("rdf", "Description"), {_name("rdf", "about"): ""})


def _describe_pdfuaid(rdf: ET.Element) -> None:
    """Add the pdfuaid schema to the file's extension schemas (the bag of
    `pdfaExtension:schemas`, made when there is none)."""
    bag = rdf.find("rdf:Description/pdfaExtension:schemas/rdf:Bag", NAMESPACES)
    if bag is None:
        schemas = ET.SubElement(_description(rdf), _name("pdfaExtension", "schemas"))
        bag = ET.SubElement(schemas, _name("rdf", "Bag"))
    schema = _resource(bag)
    _text(schema, "pdfaSchema", "schema", "PDF/UA Universal Accessibility Schema")
    _text(schema, "pdfaSchema", "namespaceURI", NAMESPACES["pdfuaid"])
    _text(schema, "pdfaSchema", "prefix", "pdfuaid")
    properties = ET.SubElement(
        ET.SubElement(schema, _name("pdfaSchema", "property")), _name("rdf", "Seq")
    )
    part = _resource(properties)
    _text(part, "pdfaProperty", "name", "part")
    _text(part, "pdfaProperty", "valueType", "Integer")
    _text(part, "pdfaProperty", "category", "internal")
    _text(part, "pdfaProperty", "description", "The part of ISO 14289 (PDF/UA) the file follows")


def _resource(container: ET.Element) -> ET.Element:
    """A new item of an rdf:Bag or rdf:Seq that is a structure of properties."""
    return ET.SubElement(container, _name("rdf", "li"), {_name("rdf", "parseType"): "Resource"})


def _text(parent: ET.Element, prefix: str, local: str, text: str) -> None:
    ET.SubElement(parent, _name(prefix, local)).text = text
