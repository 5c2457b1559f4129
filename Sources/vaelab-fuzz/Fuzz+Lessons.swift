import Foundation
import Lab

// The lesson player and export, fuzzed for properties, not only for crashes:
// a violation calls `abort()`, which libFuzzer reports as a finding.

/// Where a lesson's command may not write: the directory the player target's
/// seeds aim absolute writes at, the working directory (where a relative
/// write would land unconfined), and the lessons' directory.
enum PlayerVictim {
  static let directory: String = {
    let path = NSTemporaryDirectory() + "vaelab-fuzz-victim"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }()

  static func entries(_ path: String) -> Set<String> {
    Set((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [])
  }

  /// What the working directory held when fuzzing started.
  static let workingDirectory = entries(".")

  /// Aborts when anything new is in the victim, working or lessons directory.
  static func check() {
    let found: [(String, Set<String>, Set<String>)] = [
      (directory, entries(directory), Set<String>()), (".", entries("."), workingDirectory),
      (lessonsDirectory, entries(lessonsDirectory), ["01-fuzz.md"]),
    ]
    for (path, now, before) in found where !now.isSubset(of: before) {
      let new = now.subtracting(before).sorted()
      FileHandle.standardError.write(Data("vaelab-fuzz: the player wrote \(new) into \(path)\n".utf8))
      abort()
    }
  }
}

/// Where the fuzzed lesson is kept for the player and export targets.
let lessonsDirectory: String = {
  let path = NSTemporaryDirectory() + "vaelab-fuzz-lessons"
  try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}()

/// The lesson text and the player lines of an input: split at its first `%%` line.
func lessonAndLines(_ bytes: [UInt8]) -> (lesson: String, lines: [String]) {
  let text = String(decoding: bytes, as: UTF8.self)
  let parts = text.components(separatedBy: "\n%%\n")
  let lines = parts.count > 1 ? parts[1].split(separator: "\n", omittingEmptySubsequences: false).map(String.init) : []
  return (parts[0], Array(lines.prefix(16)))
}

/// The student's words the player target types: moving and answering only, so
/// that every file written is the lesson's (a command typed by the student may
/// write anywhere, by design).
let studentWords: Set<String> = ["lesson", "next", "back", "again", "hint", "skip", "solution", "answer"]

func runPlayer(_ bytes: [UInt8]) {
  _ = (PlayerVictim.directory, PlayerVictim.workingDirectory)
  let (lesson, lines) = lessonAndLines(bytes)
  let path = lessonsDirectory + "/01-fuzz.md"
  guard let file = fopen(path, "wb") else { return }
  _ = fwrite(Array(lesson.utf8), 1, lesson.utf8.count, file)
  guard fclose(file) == 0, let catalog = try? LessonCatalog(directory: lessonsDirectory) else { return }
  deadline = Date().addingTimeInterval(0.002)
  var runner = LessonRunner(
    session: Session(seed: 1, shouldStop: { Date() > deadline }), desk: LessonDesk(catalog: catalog))
  var offered = runner.execute("lesson 1").typedAhead
  for line in lines {
    let reply: LessonReply
    if line.isEmpty {
      guard let typed = offered else { continue }
      reply = runner.execute(typed, from: .lesson)
    } else {
      let words = line.split(separator: " ")
      guard let first = words.first, studentWords.contains(String(first)), words.count <= 3,
        !line.contains("\""), !line.contains("'"), !line.contains(";")
      else { continue }
      reply = runner.execute(line)
    }
    offered = reply.typedAhead ?? offered
  }
  PlayerVictim.check()
  for directory in runner.desk.lessonFileDirectories.values {
    try? FileManager.default.removeItem(atPath: directory)
  }
}

func runExport(_ bytes: [UInt8]) {
  let (lesson, _) = lessonAndLines(bytes)
  guard let transcript = try? Transcript(parsing: lesson, name: "f.md") else { return }
  deadline = Date().addingTimeInterval(0.002)
  let files = scratch
  guard let page = try? HTMLExport.page(transcript, files: files, solutions: true, shouldStop: { Date() > deadline })
  else { return }
  if let violation = PageCheck.violation(in: page) {
    FileHandle.standardError.write(Data("vaelab-fuzz: the exported page \(violation)\n".utf8))
    abort()
  }
}

/// What an exported page may hold: the elements and attributes the exporter
/// and the SVG sanitiser write, links only to http(s), `#` or relative
/// addresses, and the Content-Security-Policy as the head's first tag after
/// its charset.
enum PageCheck {
  static let elements: Set<String> = [
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol",
    "li", "pre", "code", "b", "a", "span", "figure", "figcaption", "section", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td",
    "svg", "g", "rect", "line", "polyline", "polygon", "circle", "ellipse", "path", "text", "tspan", "desc",
  ]
  static let attributes: Set<String> = [
    "lang", "charset", "name", "content", "http-equiv", "class", "id", "href", "colspan", "xmlns", "width", "height",
    "viewBox",
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "points", "d", "dx", "dy", "fill", "stroke",
    "stroke-width", "stroke-dasharray", "stroke-linecap", "stroke-linejoin", "opacity", "fill-opacity",
    "stroke-opacity", "font-family", "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline",
    "transform", "preserveAspectRatio", "shape-rendering",
  ]

  /// What is wrong with `page`, or nil.
  static func violation(in page: String) -> String? {
    let policy = "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
    guard page.contains("<head>\n" + policy) else { return "has no CSP at the head of its head" }
    let bytes = Array(page.utf8)
    var index = 0
    var styles = 0
    var metas = 0
    while index < bytes.count {
      guard bytes[index] == UInt8(ascii: "<") else {
        index += 1
        continue
      }
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "/") || bytes[index] == UInt8(ascii: "!") {
        index += 1
        continue
      }
      let name = word(bytes, &index)
      guard elements.contains(name) else { return "holds an element <\(name)>" }
      if name == "style" { styles += 1 }
      if name == "meta" { metas += 1 }
      guard styles <= 1, metas <= 3 else { return "holds a second <style> or a fourth <meta>" }
      // Attributes up to the tag's end.
      while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
        if bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "/") || bytes[index] == 0x0A {
          index += 1
          continue
        }
        let attribute = word(bytes, &index)
        guard attributes.contains(attribute) else { return "holds an attribute \(attribute)= on <\(name)>" }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { continue }
        index += 1
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return "holds an unquoted value" }
        index += 1
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { index += 1 }
        let value = String(decoding: bytes[start..<min(index, bytes.count)], as: UTF8.self).lowercased()
        index += 1
        if attribute == "href" {
          guard name == "a" else { return "holds href on <\(name)>" }
          // A link is followed only when clicked (navigation, which the CSP leaves alone): no
          // scheme but the web's, read as a browser reads it (blanks and controls dropped).
          let url = String(value.unicodeScalars.filter { $0.value > 0x20 })
          let scheme = url.prefix { $0 != ":" && $0 != "/" && $0 != "?" && $0 != "#" }
          guard !url.dropFirst(scheme.count).hasPrefix(":") || ["http", "https"].contains(scheme) else {
            return "links to \(value)"
          }
        } else if value.contains("javascript:") || value.contains("url(") {
          return "holds \(attribute)=\"\(value)\""
        }
      }
    }
    return nil
  }

  static func word(_ bytes: [UInt8], _ index: inout Int) -> String {
    let start = index
    while index < bytes.count, bytes[index] != UInt8(ascii: " "), bytes[index] != UInt8(ascii: ">"),
      bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: "/"), bytes[index] != 0x0A
    {
      index += 1
    }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }
}
