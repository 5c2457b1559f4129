import Testing

@testable import Lab

/// At a terminal, tables fold and images wrap to the window; what lessons and
/// notebooks record stays as it is, whatever the window.
struct PresentationTests {
  func engine(width: Int?) -> Engine {
    var engine = Engine()
    engine.presentation = Presentation(colour: false, width: width)
    return engine
  }

  @Test func theGradTableFoldsToEightyColumns() {
    var narrow = engine(width: 80)
    var wide = engine(width: nil)
    let line = #"grad "z+exp(0)" 1e6 1 n=1000 seed=1"#
    let folded = narrow.execute(line)
    let table = folded.output.split(separator: "\n").drop { !$0.hasPrefix("param") }.prefix {
      !$0.hasPrefix("not shown")
    }
    #expect(!table.isEmpty)
    #expect(table.allSatisfy { $0.count <= 80 }, "\(table.map(\.count))")
    // The parts repeat the key columns.
    #expect(table.filter { $0.hasPrefix("param   estimator") }.count == 2)
    // The notebook keeps the unfolded table, the same as an unlimited window prints.
    #expect(folded.plainOutput == wide.execute(line).output)
  }

  @Test func sweepTablesFoldToo() {
    var narrow = engine(width: 80)
    let output = narrow.execute(#"grad sweep "(z-k)^2" 1 1 over=k from=-1 to=1 count=3 sampled=yes n=200 seed=1"#)
      .output
    let table = output.split(separator: "\n").prefix { !$0.contains("┤") }.dropFirst(2)
    #expect(table.allSatisfy { $0.count <= 80 }, "\(table.map(\.count))")
    #expect(table.filter { $0.trimmingBlanks.hasPrefix("k  ") }.count == 2)
  }

  /// Prose breaks at blanks, never inside a word; the notebook keeps the long line.
  @Test func longLinesBreakBetweenWords() {
    var narrow = engine(width: 50)
    _ = narrow.execute("vae new shapes latent=2 hidden=16 seed=1")
    let reply = narrow.execute("vae step 5")
    let lines = reply.output.split(separator: "\n")
    #expect(lines.count > 1 && lines.allSatisfy { $0.count <= 50 })
    #expect(!reply.plainOutput.contains("\n"))
    #expect(reply.output.replacingAll("\n", with: "").split(separator: " ") == reply.plainOutput.split(separator: " "))
  }

  @Test func imagesWrapToTheWindow() {
    var narrow = engine(width: 80)
    _ = narrow.execute("vae new shapes latent=2 hidden=16 seed=1")
    let output = narrow.execute("vae recon [0, 1]").output
    #expect(output.split(separator: "\n").allSatisfy { $0.count <= 80 })
    #expect(output.hasPrefix("#0 input                          #0 recon\n"))
  }
}
