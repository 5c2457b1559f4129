/// An SVG document reduced to drawing: what an exported page may inline.
///
/// An exported page inlines the figures commands drew, and a page is read in a
/// browser, where an SVG is active content: a `<script>`, an `onload=`, a
/// `<foreignObject>` holding HTML, or an `href` to another site would run or
/// load. vaelab's own figures use none of these, so a figure is parsed and
/// written again from an allow-list: the elements that draw (`svg`, `g`,
/// shapes, `text`), the attributes that place and paint them, and attribute
/// values made of the characters numbers, colours, font names and transforms
/// need. Everything else is dropped: an element with its content, an attribute
/// alone. The parser reads the XML that figures are written in (elements,
/// quoted attributes, text, the five named entities and numeric character
/// references, an XML declaration) and refuses the rest (comments, CDATA,
/// DOCTYPE and processing instructions, which can carry entity definitions);
/// a refused document is not inlined at all.
///
/// After OWASP's advice on SVG (sanitise by allow-list, never by deny-list) and
/// the SVG 1.1 element and attribute index; the page's Content-Security-Policy
/// is the second line of defence.
enum SVGSanitizer {
  /// Elements kept, with their content.
  static let elements: Set<String> = [
    "svg", "g", "rect", "line", "polyline", "polygon", "circle", "ellipse", "path", "text", "tspan", "title", "desc",
  ]

  /// Attributes kept on any kept element.
  static let attributes: Set<String> = [
    "width", "height", "viewBox", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "points", "d", "dx",
    "dy", "fill", "stroke", "stroke-width", "stroke-dasharray", "stroke-linecap", "stroke-linejoin", "opacity",
    "fill-opacity", "stroke-opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor",
    "dominant-baseline", "transform", "preserveAspectRatio", "shape-rendering",
  ]

  /// The one namespace an `xmlns` may name.
  static let namespace = "http://www.w3.org/2000/svg"

  /// Deepest nesting read, and the largest document: far beyond any figure.
  static let largestDepth = 64
  static let largestSize = 64 << 20

  /// The document reduced to the allow-list, as one `<svg>` element; nil when it
  /// is not an SVG document this parser reads.
  static func sanitized(_ text: String) -> String? {
    guard text.utf8.count <= largestSize else { return nil }
    var parser = Parser(Array(text.utf8))
    return parser.document()
  }

  /// Whether an attribute's value is plain: no `url(` (an outside load, or a
  /// reference into the page), no `javascript:` or any other scheme, only the
  /// characters of numbers, lengths, colours, font names and transforms.
  static func isPlainValue(_ value: String) -> Bool {
    let lowered = value.lowercased()
    guard !lowered.contains("url("), !lowered.contains("expression(") else { return false }
    return value.unicodeScalars.allSatisfy { scalar in
      switch scalar {
      case "a"..."z", "A"..."Z", "0"..."9", " ", "#", ".", ",", "-", "+", "(", ")", "%": true
      default: false
      }
    }
  }

  /// A recursive-descent reader of the XML subset above, writing the kept parts as it goes.
  struct Parser {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() -> String? {
      skipBlanks()
      if starts(with: "<?xml") {
        guard let end = find("?>") else { return nil }
        index = end + 2
        skipBlanks()
      }
      guard starts(with: "<svg"), var output = element(depth: 0), !output.isEmpty else { return nil }
      skipBlanks()
      guard index == bytes.count else { return nil }
      if !output.hasPrefix("<svg xmlns=") {
        output = "<svg xmlns=\"\(namespace)\"" + output.dropFirst("<svg".count)
      }
      return output
    }

    /// One element at `index` (just before its `<`) and its content: its kept
    /// form, the empty string when it is dropped, nil when the XML is not read.
    mutating func element(depth: Int) -> String? {
      guard depth < largestDepth, take("<"), let tag = name() else { return nil }
      let kept = elements.contains(tag)
      var output = kept ? "<" + tag : ""
      while true {
        skipBlanks()
        if take("/>") { return kept ? output + "/>" : "" }
        if take(">") { break }
        guard let attribute = name(), take("="), let value = quoted() else { return nil }
        if kept, isKept(attribute, value: value, on: tag) {
          output += " \(attribute)=\"\(HTMLExport.escaped(value))\""
        }
      }
      if kept { output += ">" }
      // Content: text and child elements, up to the matching end tag.
      while true {
        guard index < bytes.count else { return nil }
        if starts(with: "</") {
          index += 2
          guard name() == tag else { return nil }
          skipBlanks()
          guard take(">") else { return nil }
          return kept ? output + "</\(tag)>" : ""
        }
        if starts(with: "<!") || starts(with: "<?") { return nil }
        if bytes[index] == UInt8(ascii: "<") {
          guard let child = element(depth: depth + 1) else { return nil }
          if kept { output += child }
        } else {
          guard let text = text() else { return nil }
          if kept { output += HTMLExport.escaped(text) }
        }
      }
    }

    func isKept(_ attribute: String, value: String, on element: String) -> Bool {
      if attribute == "xmlns" { return element == "svg" && value == SVGSanitizer.namespace }
      return attributes.contains(attribute) && isPlainValue(value)
    }

    /// An element or attribute name: a letter, then letters, digits, `-`, `_`, `:` or `.`.
    mutating func name() -> String? {
      let start = index
      while index < bytes.count {
        let byte = bytes[index]
        let isLetter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
        let isOther =
          (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
          || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")
        guard isLetter || (index > start && isOther) else { break }
        index += 1
      }
      return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// A value in double or single quotes, its references decoded.
    mutating func quoted() -> String? {
      skipBlanks()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") else {
        return nil
      }
      let quote = bytes[index]
      index += 1
      guard let end = bytes[index...].firstIndex(of: quote) else { return nil }
      let raw = bytes[index..<end]
      index = end + 1
      guard !raw.contains(UInt8(ascii: "<")) else { return nil }
      return decoded(raw)
    }

    /// Text up to the next `<`, its references decoded.
    mutating func text() -> String? {
      let start = index
      while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
      return decoded(bytes[start..<index])
    }

    /// `raw` as UTF-8 with `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;` and
    /// `&#N;` / `&#xH;` replaced; nil for any other `&`, invalid UTF-8, or a
    /// reference to a control character.
    func decoded(_ raw: ArraySlice<UInt8>) -> String? {
      guard let text = String(validating: raw, as: UTF8.self) else { return nil }
      guard text.contains("&") else { return text }
      var result = ""
      var rest = Substring(text)
      while let ampersand = rest.firstIndex(of: "&") {
        result += rest[..<ampersand]
        guard let semicolon = rest[ampersand...].firstIndex(of: ";") else { return nil }
        let entity = rest[rest.index(after: ampersand)..<semicolon]
        switch entity {
        case "lt": result += "<"
        case "gt": result += ">"
        case "amp": result += "&"
        case "quot": result += "\""
        case "apos": result += "'"
        default:
          guard entity.hasPrefix("#") else { return nil }
          let digits = entity.dropFirst()
          let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
          guard let value, value >= 0x20, value != 0x7F, !(0x80..<0xA0).contains(value),
            let scalar = Unicode.Scalar(value)
          else { return nil }
          result.unicodeScalars.append(scalar)
        }
        rest = rest[rest.index(after: semicolon)...]
      }
      return result + rest
    }

    mutating func skipBlanks() {
      while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    func starts(with prefix: String) -> Bool {
      let prefix = Array(prefix.utf8)
      return bytes.count - index >= prefix.count && bytes[index..<(index + prefix.count)].elementsEqual(prefix)
    }

    mutating func take(_ prefix: String) -> Bool {
      guard starts(with: prefix) else { return false }
      index += prefix.utf8.count
      return true
    }

    func find(_ needle: String) -> Int? {
      let needle = Array(needle.utf8)
      guard bytes.count >= needle.count else { return nil }
      return (index...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
  }
}
