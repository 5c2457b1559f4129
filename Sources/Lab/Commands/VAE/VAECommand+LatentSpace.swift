import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae decode, interp, traverse

  /// Latent coordinates a user may type: far beyond where any prior puts mass, but finite.
  static let latentDomain = RealDomain(
    lower: -1e6, lowerIsInclusive: true, upper: 1e6, upperIsInclusive: true, explanation: "from -1e6 to 1e6")

  struct DecodeArguments: CommandArguments {
    @Positional(
      name: "z", latentDomain,
      help: "latent vectors to decode: L values, or several vectors' values one after another (at most 64 vectors)")
    var z: ScalarOrVector
    @Named(.path, help: "also write the images as an SVG file") var svg: String?
  }

  static let decode = CommandSpec(
    name: "decode",
    summary: "decode latent vectors z you choose: the decoder's mean output at each",
    arguments: DecodeArguments.self,
    examples: ["vae decode [0, 0]", "vae decode [0, 0, 1.5, -1]", "vae decode [0, 0] svg=decoded.svg"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let l = workbench.configuration.latent
      let values = arguments.z.values
      guard values.count % l == 0 else {
        throw LabError(
          "z has \(values.count) value\(values.count == 1 ? "" : "s"); the model's latent vectors have \(l), so give \(l) or a multiple of \(l)",
          argument: "z")
      }
      let count = values.count / l
      guard count <= largestPictureCount else {
        throw LabError("z holds \(count) vectors; vae decode shows at most \(largestPictureCount)", argument: "z")
      }
      let points = (0..<count).map { Array(values[($0 * l)..<(($0 + 1) * l)]) }
      return try decoded(
        points, labels: points.map(latentLabel), workbench: workbench, session: &session, svg: arguments.svg,
        title: "decoded latent vectors, step \(workbench.trainer.steps)", series: "decoded z")
    })

  struct InterpolationArguments: CommandArguments {
    @Positional(name: "i", 0...1_000_000_000, help: "the held-out example to start from") var from: Int = 0
    @Positional(name: "j", 0...1_000_000_000, help: "the held-out example to end at") var to: Int = 1
    @Named(2...largestPictureCount, help: "decodes along the line, both ends included") var steps: Int = 8
    @Named(.path, help: "also write the images as an SVG file") var svg: String?
  }

  static let interp = CommandSpec(
    name: "interp",
    summary: "decode the line between two examples' encodings (the encoder means)",
    discussion: """
      z(t) = (1 - t) mu(x_i) + t mu(x_j) for t from 0 to 1 in equal steps, each decoded
      (the decoder's mean output), between the two inputs themselves. In a
      continuous latent space the decodes change gradually along the line.
      """,
    arguments: InterpolationArguments.self,
    examples: ["vae interp 0 1", "vae interp 3 7 steps=12 svg=interp.svg"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let rows = try heldOutRows(workbench, [arguments.from, arguments.to])
      let (mu, _) = workbench.model.encode(rows)
      let l = workbench.configuration.latent
      let ends = [Array(mu[0..<l]), Array(mu[l..<(2 * l)])].map { $0.map(Double.init) }
      let path = LatentPaths.line(from: ends[0], to: ends[1], steps: arguments.steps)
      let d = workbench.configuration.inputs
      let labels = (0..<arguments.steps).map {
        "t="
          + NumberFormat.shortest(NumberFormat.rounded(Double($0) / Double(arguments.steps - 1), significantDigits: 2))
      }
      return try decoded(
        path, labels: labels, workbench: workbench, session: &session, svg: arguments.svg,
        title:
          "decodes on the line from held-out example \(arguments.from)'s encoding to \(arguments.to)'s, step \(workbench.trainer.steps)",
        series: "decoded on the line",
        before: [("#\(arguments.from) input", Array(rows[0..<d]))],
        after: [("#\(arguments.to) input", Array(rows[d...]))])
    })

  struct TraversalArguments: CommandArguments {
    @Positional(name: "dim", 0...255, help: "the latent dimension to vary") var dimension: Int = 0
    @Positional(name: "i", 0...1_000_000_000, help: "the held-out example whose encoding is the centre")
    var example: Int = 0
    @Named(latentDomain, help: "the dimension's first value") var from: Double = -3
    @Named(latentDomain, help: "the dimension's last value") var to: Double = 3
    @Named(2...largestPictureCount, help: "values from from= to to=, both included") var steps: Int = 7
    @Named(.path, help: "also write the images as an SVG file") var svg: String?
  }

  static let traverse = CommandSpec(
    name: "traverse",
    summary: "vary one latent dimension around an example's encoding, the others fixed, and decode",
    discussion: """
      z = mu(x_i) with coordinate DIM set to each of STEPS values from from= to
      to=, decoded: what that one dimension controls near this example. The
      default range, -3 to 3, spans the prior's N(0, 1) to three standard
      deviations.
      """,
    arguments: TraversalArguments.self,
    examples: ["vae traverse 0", "vae traverse 1 5 from=-2 to=2 steps=9 svg=traverse.svg"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let l = workbench.configuration.latent
      guard arguments.dimension < l else {
        throw LabError(
          "the model has latent dimensions 0 to \(l - 1), not \(arguments.dimension)", argument: "dim")
      }
      let rows = try heldOutRows(workbench, [arguments.example])
      let centre = workbench.model.encode(rows).mu.map(Double.init)
      let values = LatentPaths.evenlySpaced(from: arguments.from, to: arguments.to, steps: arguments.steps)
      let path = LatentPaths.traversal(around: centre, dimension: arguments.dimension, values: values)
      let labels = values.map {
        "z\(arguments.dimension)=" + NumberFormat.shortest(NumberFormat.rounded($0, significantDigits: 3))
      }
      return try decoded(
        path, labels: labels, workbench: workbench, session: &session, svg: arguments.svg,
        title:
          "latent dimension \(arguments.dimension) varied around held-out example \(arguments.example)'s encoding, step \(workbench.trainer.steps)",
        series: "decoded traversal", before: [("#\(arguments.example) input", rows)])
    })

  /// `[0.5, -1.2]`: a latent vector as a picture's label, each value to 3 significant digits.
  static func latentLabel(_ z: [Double]) -> String {
    "[" + z.map { NumberFormat.shortest(NumberFormat.rounded($0, significantDigits: 3)) }.joined(separator: ", ") + "]"
  }

  /// The decoder's mean output at each point, as pictures, with optional inputs before and after.
  static func decoded(
    _ points: [[Double]], labels: [String], workbench: VAEWorkbench, session: inout Session, svg: String?,
    title: String,
    series: String, before: [(String, [Float])] = [], after: [(String, [Float])] = []
  ) throws(LabError) -> Output {
    let d = workbench.configuration.inputs
    let outputs = workbench.model.decode(points.flatMap { $0.map(Float.init) })
    let decodes = Array(zip(labels, outputs.rows(width: d)))
    let items = before + decodes + after
    return try pictures(
      items, workbench: workbench, session: &session, svg: svg, title: title,
      series: { $0 < before.count || $0 >= before.count + decodes.count ? "held-out input" : series })
  }
}
