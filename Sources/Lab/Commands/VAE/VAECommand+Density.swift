import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae density

  struct DensityArguments: CommandArguments {
    @Named(1...100_000, help: "how many held-out examples (the first ones)") var n: Int = 100
    @Named(1...100_000, help: "importance samples per example, for latents of more than 2 dimensions") var k: Int = 1000
    @Named(0...Int.max, help: "seed for the draws (default: the session's random stream)") var seed: Int?
  }

  static let density = CommandSpec(
    name: "density",
    summary: "density estimation: held-out log p(x) against independent per-dimension densities, in nats per example",
    discussion: """
      log p(x) of each of the first n held-out examples, as vae bound computes
      it: by quadrature for 1- or 2-D latents, else by IWAE with k samples (a
      lower bound in expectation; raise k to close the gap), beside the
      one-sample ELBO below it. The baseline density treats the input values as
      independent, each with parameters estimated from the training data,
      in the decoder's family: Bernoulli with p = (sum x + 1/2) /
      (N + 1) (for a Bernoulli decoder, the best a VAE that ignores z can do,
      as after posterior collapse), or Gaussian with each value's mean and
      variance (at least 1e-3 of their mean variance). The gain, log p(x) minus
      the baseline example by example, is what modelling the values together
      buys; exp(mean gain) is the geometric mean of how many times more
      probable the model finds a held-out example. A Bernoulli decoder on
      values strictly between 0 and 1 gives a density that is not normalised
      (Loaiza-Ganem and Cunningham 2019), the baseline's alike: compare them
      with each other, not with other models. +- values are standard errors
      over the examples.
      """,
    arguments: DensityArguments.self,
    examples: ["vae density", "vae density n=400 k=5000", "vae density format=json"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      guard workbench.configuration.kind == .vae else {
        throw LabError(
          "a plain autoencoder (kind=ae) defines no density: it has no prior to sample z from; make a VAE (kind=vae)")
      }
      let available = workbench.data.heldOutCount
      guard available > 0 else { throw LabError("\(workbench.data.name) has no held-out examples") }
      let count = min(arguments.n, available)
      var generator = session.generator(commandSeed: arguments.seed)
      let density: HeldOutDensity
      do throws(HeldOutDensity.Failure) {
        density = try HeldOutDensity(
          model: workbench.model, data: workbench.data, count: count, k: arguments.k, generator: &generator,
          shouldStop: session.shouldStop
        ) { done in
          if done % 10 == 0 { session.progress?("vae density: example \(done + 1) of \(count)") }
        }
      } catch {
        switch error {
        case .interrupted: throw .interrupted
        case .failed(let example, let failure):
          throw latentGridFailure(failure, of: "held-out example \(example)")
        case .noBaseline:
          throw LabError(
            "the baseline, an independent gaussian per value, has no density: \(workbench.data.name)'s training values do not vary (\(workbench.data.trainingCount) training example\(workbench.data.trainingCount == 1 ? "" : "s"))"
          )
        }
      }
      session.keep(generator, drawnWith: arguments.seed)
      return Output(
        DensityResult(
          density, likelihood: workbench.configuration.likelihood, requested: arguments.n))
    })

  struct DensityResult: BlockResult {
    struct Value: Encodable {
      var mean: Double
      @Nullable var stderr: Double?
      init(_ moments: RunningMoments) {
        (mean, stderr) = (moments.mean, moments.count > 1 ? moments.standardError : nil)
      }
    }
    var examples: Int
    /// `quadrature` or `iwae`, and the importance samples per example (null for quadrature).
    var method: String
    @Nullable var k: Int?
    var logPx: Value
    var elbo: Value
    var baseline: Value
    var baselineKind: String
    /// Gaussian baseline variances raised to the floor.
    var baselineFloored: Int
    var gain: Value
    // For the text only:
    var requested: Int

    enum CodingKeys: String, CodingKey {
      case examples, method, k, logPx = "log_px", elbo, baseline, baselineKind = "baseline_kind"
      case baselineFloored = "baseline_floored", gain
    }

    init(_ density: HeldOutDensity, likelihood: Likelihood, requested: Int) {
      examples = density.logMarginal.count
      switch density.method {
      case .quadrature: (method, k) = ("quadrature", nil)
      case .importanceWeighted(let samples): (method, k) = ("iwae", samples)
      }
      (logPx, elbo, baseline, gain) = (
        Value(density.logMarginal), Value(density.elbo), Value(density.baseline), Value(density.improvement)
      )
      baselineKind = likelihood == .bernoulli ? "independent bernoulli" : "independent gaussian"
      baselineFloored = density.baselineFloored
      self.requested = requested
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      func n(_ value: Value) -> [String] {
        [
          NumberFormat.fixed(value.mean, presentation.precision),
          value.stderr.map { NumberFormat.fixed($0, presentation.precision) } ?? "-",
        ]
      }
      let how = k.map { "IWAE with k = \($0), a lower bound in expectation" } ?? "quadrature over the latent space"
      var table = TextTable([("density", .left), ("nats", .right), ("+-", .right), ("", .left)])
      table.append(["log p(x), the VAE"] + n(logPx) + [how])
      table.append(["ELBO, one sample"] + n(elbo) + ["the bound training maximises"])
      let alone =
        baselineKind == "independent bernoulli"
        ? "each value alone, p its training mean: z ignored" : "each value alone, its training mean and variance"
      table.append(["log p(x), \(baselineKind)"] + n(baseline) + [alone])
      table.append(["gain"] + n(gain) + ["VAE minus baseline, example by example"])
      let fewer = examples < requested ? " (all there are)" : ""
      var lines = ResultBlocks()
      lines.append("held-out log p(x) per example, the first \(examples) held-out examples\(fewer)")
      lines.append(table)
      if gain.mean > 0 {
        // exp(gain) = 10^(gain / ln 10).
        lines.append(
          "exp(mean gain) = 10^\(NumberFormat.fixed(gain.mean / 2.302_585_092_994_046, 1)): how many times more probable the VAE finds a held-out example (geometric mean)"
        )
      }
      if baselineFloored > 0 {
        lines.append(
          "\(baselineFloored) values vary little or not at all in training: the baseline's variance for them is 1e-3 of the mean variance"
        )
      }
      if examples == 1 { lines.append("-: a standard error needs at least 2 examples") }
      return lines.all
    }
  }
}
