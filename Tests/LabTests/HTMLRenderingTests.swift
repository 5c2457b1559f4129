import Testing

@testable import Lab

/// A result rendered for a page: its tables as `<table>`s, its figures as the
/// SVG that `svg=` writes, its text escaped; the same value as its text.
struct HTMLRenderingTests {
  func html(_ line: String) throws -> (html: String, text: String) {
    var engine = Engine(session: Session(seed: 1))
    let reply = engine.execute(line)
    let result = try #require(reply.result, "\(line): \(reply.error ?? "")")
    return (HTMLRendering.html(result.blocks(.plain), for: .plain), reply.output)
  }

  @Test func aTableIsATableWithNumbersToTheRight() throws {
    let (html, text) = try html("kl [1, 2] [1, 1]")
    #expect(html.contains("<table class=\"result\"><thead><tr><th class=\"number\">dim</th>"))
    #expect(html.contains("<td class=\"number\">total</td>"))
    #expect(html.contains("<td class=\"number\">2.500</td>"))
    // The text shows the same table, aligned.
    #expect(text.contains("total") && text.contains("2.500"))
    #expect(!html.contains("<pre class=\"output\">dim"))
  }

  @Test func aLongTableSaysWhatItLeftOut() throws {
    let (html, _) = try html("kl [\((0..<60).map { _ in "0" }.joined(separator: ", "))] 1")
    #expect(
      html.contains(
        "<tr class=\"left-out\"><td colspan=\"4\">... 20 rows left out (of 60); format=json prints them all</td></tr>"))
  }

  @Test func aFigureIsTheSVGThatSvgWrites() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/h.svg"
    var engine = Engine(session: Session(seed: 1))
    let reply = engine.execute("sample 0 1 n=1000 seed=3 svg=\(path)")
    let result = try #require(reply.result)
    let blocks = result.blocks(.plain)
    let figures = blocks.compactMap { block -> Figure? in if case .figure(let f) = block { f } else { nil } }
    #expect(figures.count == 1)
    let written = try String(contentsOfFile: path, encoding: .utf8)
    #expect(figures.first?.svg() == written)
    let html = HTMLRendering.html(blocks, for: .plain)
    #expect(html.contains("<figure><svg") && html.contains("</svg><figcaption>"))
    // In text the figure is drawn in characters.
    #expect(reply.output.contains("histogram of z; • = expected count under N(0.000, 1.000^2):"))
  }

  @Test func textIsEscaped() throws {
    let (html, _) = try html("kl 2 1")
    #expect(html.hasPrefix("<pre class=\"output\">KL(q || p) for q = N(2, 1^2)"))
    #expect(HTMLRendering.html([.text("a < b & c")], for: .plain) == "<pre class=\"output\">a &lt; b &amp; c</pre>")
  }
}
