import Testing

@testable import Lab

/// The reproductions of the defects a new student and a new instructor found:
/// each finishes (within the quadrature's budget), and every number it prints
/// is certified or refused in words: no nan, no negative variance, no "exact"
/// value that is not one.
struct IssueReproductionTests {
  @Test(arguments: [
    #"grad "log(z)" 1 1 wrt=mu n=100 seed=1"#, #"grad "sin(z)" 1e6 1 n=200"#, #"grad "z+exp(0)" 1e6 1"#,
    #"grad "z^(-0.5)" 1 1 n=200"#, #"grad "z^z^z" 1 1"#,
    #"grad sweep "sigmoid(exp(z-1e5))" 0 logvar=27 over=mu from=-1 to=1 count=3"#, #"grad "1/z" 0 1 wrt=mu n=100"#,
    #"grad "sin(z)" 0 1e6 n=200"#, #"grad "sqrt(abs(z))" 0 1 n=200"#, #"grad "log(abs(z))" 0 1 n=200"#,
  ])
  func everyNumberIsRightOrRefused(line: String) {
    var engine = Engine()
    let reply = engine.execute(line)
    let text = reply.output + (reply.error ?? "")
    #expect(!text.contains("nan"), "\(text)")
    #expect(!text.contains("inf "), "\(text)")
    if reply.error == nil {
      // The exact variance column of grad never shows a negative number.
      for row in reply.output.split(separator: "\n") where row.hasPrefix("mu ") || row.hasPrefix("sigma ") {
        let cells = row.split(separator: " ")
        if cells.count >= 6 { #expect(!cells[5].hasPrefix("-") || cells[5] == "-", "\(row)") }
      }
    } else {
      #expect(reply.error?.contains("so there is no gradient to estimate") == true, "\(reply.error ?? "")")
    }
  }

  /// The KL per latent dimension follows the session's precision.
  @Test func klPerDimensionFollowsThePrecision() {
    var engine = Engine()
    _ = engine.execute("vae new shapes latent=3 hidden=16 seed=1")
    _ = engine.execute("vae step 20")
    _ = engine.execute("set precision=1")
    let line = engine.execute("vae show").output.split(separator: "\n").first { $0.hasPrefix("KL per latent") } ?? ""
    let values = line.split(separator: ":").last?.split(separator: " ") ?? []
    #expect(values.count == 3)
    #expect(values.allSatisfy { $0.split(separator: ".").last?.count == 1 }, "\(line)")
    #expect(engine.execute("vae encode 0").output.hasSuffix("from mu and sigma before rounding"))
  }
}
