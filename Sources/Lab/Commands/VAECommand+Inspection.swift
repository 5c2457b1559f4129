import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae show

  static let show = CommandSpec(
    name: "show",
    summary: "configuration, losses on training and held-out data, KL per latent dimension, active units, loss curve",
    discussion: """
      Losses are per example in nats, averaged over up to 2048 examples with one
      reparameterised sample each from a fixed seed. -ELBO = reconstruction + KL;
      with beta != 1 training minimises reconstruction + beta KL instead, shown
      beside it as the objective. A plain autoencoder (kind=ae) has a code, not a
      distribution: only its reconstruction loss is shown.
      Active units follow Burda et al. 2016: latent dimensions whose encoder mean
      varies across held-out examples with variance above 0.01.
      """,
    arguments: NoArguments.self,
    examples: ["vae show"],
    action: { session, _ throws(LabError) in
      let workbench = try workbench(session)
      let c = workbench.configuration
      let train = workbench.evaluate(workbench.data.training, count: workbench.data.trainingCount)
      let heldOut = workbench.evaluate(workbench.data.heldOut, count: workbench.data.heldOutCount)
      let p = session.precision
      func n(_ value: Double) -> String { NumberFormat.fixed(value, p) }
      var lines = [describe(workbench), "step \(workbench.trainer.steps)"]
      // The columns: the objective when it is not -ELBO, then -ELBO and its two terms.
      var columns: [(String, TextTable.Alignment)] = [("", .left)]
      var values: [(VAEWorkbench.Evaluation) -> Double] = []
      switch (c.kind, c.beta == 1) {
      case (.autoencoder, _):
        (columns, values) = (columns + [("reconstruction", .right)], [\.reconstruction])
      case (.vae, true):
        columns += [("-ELBO", .right), ("reconstruction", .right), ("KL", .right)]
        values = [\.negativeELBO, \.reconstruction, \.kl]
      case (.vae, false):
        columns += [(objectiveName(c), .right), ("-ELBO", .right), ("reconstruction", .right), ("KL", .right)]
        values = [\.objective, \.negativeELBO, \.reconstruction, \.kl]
      }
      var table = TextTable(columns)
      table.append(["training"] + values.map { n($0(train)) })
      table.append(["held-out"] + values.map { n($0(heldOut)) })
      lines.append(table.rendered)
      if c.kind == .vae {
        lines.append(
          "KL per latent dimension (held-out): "
            + heldOut.klPerDimension.map { NumberFormat.fixed($0, p) }.joined(separator: " "))
      }
      lines.append(
        "active units: \(heldOut.activeUnits) of \(c.latent) (variance of the \(c.kind == .vae ? "encoder mean" : "code") across held-out examples above 0.01)"
      )
      let history = workbench.history
      let curveName =
        c.kind == .vae
        ? (c.beta == 1 ? "training -ELBO per example" : "training objective per example (\(objectiveName(c)))")
        : "training reconstruction loss per example"
      if history.count >= 2 {
        let buckets = min(60, history.count)
        let points = (0..<buckets).map { bucket -> (x: Double, y: Double) in
          let range = (bucket * history.count / buckets)..<((bucket + 1) * history.count / buckets)
          let mean = history[range].reduce(0) { $0 + $1.objective } / Double(range.count)
          return (Double(range.upperBound), mean)
        }
        let plot = LinePlot(
          series: [LinePlot.Series(name: curveName, marker: "L", points: points, isCurve: true)],
          xLabel: "step", yLabel: "nats", logX: false, logY: false)
        lines.append(plot.terminal(width: 60, height: 10))
      }
      func evaluation(_ e: VAEWorkbench.Evaluation) -> [(String, JSON)] {
        c.kind == .vae
          ? [
            ("objective", .number(e.objective)), ("neg_elbo", .number(e.negativeELBO)),
            ("elbo", .number(-e.negativeELBO)),
            ("recon", .number(e.reconstruction)), ("kl", .number(e.kl)),
          ] : [("recon", .number(e.reconstruction))]
      }
      var members: [(String, JSON)] = [("step", .integer(workbench.trainer.steps))] + evaluation(heldOut)
      if c.kind == .vae { members.append(("kl_per_dim", .numbers(heldOut.klPerDimension))) }
      members += [
        ("active_units", .integer(heldOut.activeUnits)), ("train", .object(evaluation(train))),
        ("config", json(workbench)),
        ("loss_curve_of", .string(objectiveName(c))), ("loss_curve", .numbers(history.map(\.objective))),
      ]
      return Output(text: lines.joined(separator: "\n"), json: .object(members))
    })

  // MARK: vae encode, recon, sample

  static let encode = CommandSpec(
    name: "encode",
    summary: "the encoder's mu and sigma for one held-out example (the code, for a plain autoencoder)",
    arguments: EncodeArguments.self,
    examples: ["vae encode 3"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let index = arguments.index
      let row = try heldOutRows(workbench, [index])
      let (mu, logvar) = workbench.model.encode(row)
      let p = session.precision
      guard workbench.configuration.kind == .vae else {
        var table = TextTable([("dim", .right), ("z", .right)])
        for d in mu.indices { table.append(["\(d)", NumberFormat.fixed(Double(mu[d]), p)]) }
        return Output(
          text: "code z for held-out example \(index) (a plain autoencoder: one point, no distribution):\n"
            + table.rendered,
          json: .object([("z", .numbers(mu.map(Double.init)))]))
      }
      var table = TextTable([("dim", .right), ("mu", .right), ("sigma", .right), ("KL", .right)])
      var kls: [Double] = []
      for d in mu.indices {
        let kl = GaussianKL.divergence(mean: Double(mu[d]), logVariance: Double(logvar[d]))
        kls.append(kl)
        table.append([
          "\(d)", NumberFormat.fixed(Double(mu[d]), p), NumberFormat.fixed(Double.exp(Double(logvar[d]) / 2), p),
          NumberFormat.fixed(kl, p),
        ])
      }
      table.append(["total", "", "", NumberFormat.fixed(kls.reduce(0, +), p)])
      return Output(
        text: "q(z|x) for held-out example \(index):\n" + table.rendered
          + "\nKL = 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2) per dimension, from mu and sigma before rounding",
        json: .object([
          ("mu", .numbers(mu.map(Double.init))), ("sigma", .numbers(logvar.map { Double.exp(Double($0) / 2) })),
          ("kl_per_dim", .numbers(kls)),
        ]))
    })

  struct EncodeArguments: CommandArguments {
    @Positional(name: "i", 0...Int.max, help: "held-out example index") var index: Int = 0
  }

  struct ReconArguments: CommandArguments {
    @Positional(name: "i", 0...1_000_000_000, help: "held-out example indexes (at most 64)")
    var indexes: [Int] = [0, 1, 2, 3]
    @Named(.path, help: "also write the images as an SVG file") var svg: String?
  }

  struct SampleArguments: CommandArguments {
    @Positional(name: "k", 1...64, help: "how many") var count: Int = 6
    @Named(0...Int.max, help: "seed for z (default: the session's random stream)") var seed: Int?
    @Named(.path, help: "also write the images as an SVG file") var svg: String?
  }

  /// The most examples `vae recon` shows at once (as many as `vae sample` draws).
  static let largestPictureCount = 64

  static let recon = CommandSpec(
    name: "recon",
    summary: "held-out inputs beside their reconstructions (decoder mean at z = mu)",
    arguments: ReconArguments.self,
    examples: ["vae recon", "vae recon [5, 9]", "vae recon 0 svg=recon.svg"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let indexes = arguments.indexes
      guard indexes.count <= largestPictureCount else {
        throw LabError(
          "i lists \(indexes.count) examples; vae recon shows at most \(largestPictureCount) at a time", argument: "i")
      }
      let rows = try heldOutRows(workbench, indexes)
      let (mu, _) = workbench.model.encode(rows)
      let reconstructions = workbench.model.decode(mu)
      let d = workbench.data.dimension
      var pairs: [(String, [Float])] = []
      for (k, index) in indexes.enumerated() {
        pairs.append(("#\(index) input", Array(rows[(k * d)..<((k + 1) * d)])))
        pairs.append(("#\(index) recon", Array(reconstructions[(k * d)..<((k + 1) * d)])))
      }
      return try pictures(
        pairs, workbench: workbench, session: session, svg: arguments.svg,
        title: "held-out inputs and their reconstructions (decoder mean at z = mu), step \(workbench.trainer.steps)",
        series: { $0 % 2 == 0 ? "held-out input" : "reconstruction" })
    })

  static let sample = CommandSpec(
    name: "sample",
    summary: "decode K draws z ~ N(0, I): what the model generates",
    arguments: SampleArguments.self,
    examples: ["vae sample", "vae sample 12 seed=3"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let (count, seed) = (arguments.count, arguments.seed)
      var generator = session.generator(commandSeed: seed)
      let z = (0..<(count * workbench.configuration.latent)).map { _ in Float(NormalSampler.next(using: &generator)) }
      let decoded = workbench.model.decode(z)
      let d = workbench.data.dimension
      let output = try pictures(
        (0..<count).map { ("z\($0 + 1)", Array(decoded[($0 * d)..<(($0 + 1) * d)])) }, workbench: workbench,
        session: session, svg: arguments.svg,
        title: "decoded draws z ~ N(0, I), step \(workbench.trainer.steps)", series: { _ in "decoded z ~ N(0, I)" })
      session.keep(generator, drawnWith: seed)
      return output
    })
}
