import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae estimators

  static let estimators = CommandSpec(
    name: "estimators",
    summary:
      "the encoder's gradient by the pathwise, score-function and score+baseline estimators: variance, signal-to-noise, agreement",
    discussion: """
      The gradient of -ELBO with respect to each encoder tensor (fc1, fc21 for mu,
      fc22 for logvar), estimated N times with independent noise by each estimator:
      pathwise, backpropagation through z = mu + sigma * eps (what training uses);
      score function, the reconstruction term as -log p(x|z) * d/dphi log q(z|x);
      score+baseline, the same less the leave-one-out mean of the other trials'
      -log p(x|z). The KL term is in closed form in all three. Per tensor: the total
      variance (summed over entries), the signal-to-noise ratio |mean| / std
      averaged over entries, the variance over the pathwise estimator's, and how far
      the means are apart in standard errors (z: root mean square over entries,
      about 1 when both estimate the same gradient, and the largest). For 1- or
      2-D latents the exact gradient is there too, by quadrature over the latent
      plane, carried through the encoder.
      """,
    arguments: EstimatorsArguments.self,
    examples: ["vae estimators", "vae estimators 3 trials=400", "vae estimators batch=16"],
    action: runEstimators)

  struct EstimatorsArguments: CommandArguments {
    @Positional(
      name: "i", 0...1_000_000_000,
      help: "a held-out example, or a row of data= (default: held-out example 0, or every row of data=)")
    var index: Int?
    @Named(1...largestStudyBatch, help: "the first B examples instead of one (the gradient of their mean)")
    var batch: Int?
    @ArgumentGroup var file: DataFileArguments
    @Named(2...10_000, help: "independent estimates per estimator") var trials: Int = 100
    @Named(0...Int.max, help: "seed for the draws (default: the session's random stream)") var seed: Int?

    static let rules = ["give one example I or batch=B, not both"]

    func validate() throws(LabError) {
      if index != nil && batch != nil {
        throw LabError("give one example I or batch=B, not both", argument: "batch")
      }
    }
  }

  /// The most examples one study averages over.
  static let largestStudyBatch = 64

  static func runEstimators(_ session: inout Session, _ arguments: EstimatorsArguments) throws(LabError) -> Output {
    let workbench = try workbench(session)
    let c = workbench.configuration
    guard c.kind == .vae else {
      throw LabError("a plain autoencoder (kind=ae) has no q(z|x) to estimate a gradient through; use kind=vae")
    }
    let (rows, source) = try exampleRows(arguments.file, workbench: workbench, session: session)
    let available = rows.count / c.inputs
    let indexes: [Int]
    if let index = arguments.index {
      guard index < available else {
        throw LabError("\(source) has no example \(index): its examples are 0 to \(available - 1)")
      }
      indexes = [index]
    } else if let batch = arguments.batch {
      guard batch <= available else {
        throw LabError("batch=\(batch) asks for more examples than \(source) has (\(available))", argument: "batch")
      }
      indexes = Array(0..<batch)
    } else if arguments.file.data != nil {
      guard available <= largestStudyBatch else {
        throw LabError(
          "\(source) has \(available) rows; a study averages over at most \(largestStudyBatch): pick one with I or the first B with batch=B",
          argument: "data")
      }
      indexes = Array(0..<available)
    } else {
      indexes = [0]
    }
    let x = indexes.flatMap { rows[($0 * c.inputs)..<(($0 + 1) * c.inputs)] }
    let bytes = EncoderGradientStudy.bytes(configuration: c, examples: indexes.count, trials: arguments.trials)
    if let refusal = MemoryBudget.refusal(bytes, for: "a study of \(arguments.trials) trials") {
      throw LabError(refusal + "; try fewer trials")
    }
    var generator = session.generator(commandSeed: arguments.seed)
    let clock = ContinuousClock()
    var lastReport = clock.now
    let study: EncoderGradientStudy
    do throws(EncoderGradientStudy.Failure) {
      study = try EncoderGradientStudy(
        model: workbench.model, examples: x, trials: arguments.trials, exact: c.latent <= 2, using: &generator,
        shouldStop: session.shouldStop,
        progress: { fraction in
          guard let progress = session.progress, clock.now - lastReport > .milliseconds(100) else { return }
          lastReport = clock.now
          progress("vae estimators: \(Int(fraction * 100))%")
        })
    } catch {
      switch error {
      case .interrupted: throw .interrupted
      case .quadrature(let example, let failure): throw latentGridFailure(failure, of: "example \(indexes[example])")
      }
    }
    session.keep(generator, drawnWith: arguments.seed)
    return Output(
      EstimatorsResult(
        source: source, examples: indexes, trials: arguments.trials, latent: c.latent, study: study))
  }

  /// What `vae estimators` reports, per encoder tensor and estimator.
  struct EstimatorsResult: BlockResult {
    struct Agreement: Encodable {
      var rms: Double
      var max: Double
      var entries: Int

      init(_ agreement: EncoderGradientStudy.Agreement) {
        (rms, max, entries) = (agreement.rootMeanSquare, agreement.largest, agreement.entries)
      }
    }

    struct Estimate: Encodable {
      var totalVariance: Double
      @Nullable var snr: Double?
      @Nullable var varianceRatio: Double?
      /// With each other estimator and with the exact gradient, where they can be compared.
      var agreement: JSONMembers<Agreement>

      enum CodingKeys: String, CodingKey {
        case totalVariance = "total_variance", snr, varianceRatio = "variance_ratio", agreement
      }
    }

    struct Tensor: Encodable {
      var name: String
      var entries: Int
      var estimators: JSONMembers<Estimate>
      /// The largest quadrature error of the exact gradient's entries.
      @Nullable var exactError: Double?

      enum CodingKeys: String, CodingKey { case name, entries, estimators, exactError = "exact_error" }

      init(_ tensor: EncoderGradientStudy.Tensor) {
        name = tensor.name
        entries = tensor.estimates.first?.moments.mean.count ?? 0
        estimators = JSONMembers(
          tensor.estimates.map { estimator, moments in
            var agreement: [(key: String, value: Agreement)] = LatentGradientEstimator.allCases.compactMap { other in
              guard other != estimator, let found = tensor.agreement(estimator, other) else { return nil }
              return (other.rawValue, Agreement(found))
            }
            if let exact = tensor.agreementWithExact(estimator) { agreement.append(("exact", Agreement(exact))) }
            return (
              estimator.rawValue,
              Estimate(
                totalVariance: moments.totalVariance, snr: moments.signalToNoise,
                varianceRatio: tensor.varianceRatio(estimator), agreement: JSONMembers(agreement))
            )
          })
        exactError = tensor.exactError?.max()
      }
    }

    var source: String
    var examples: [Int]
    var trials: Int
    var latent: Int
    var klTerm = "closed form"
    @Nullable var exact: String?
    var tensors: [Tensor]

    enum CodingKeys: String, CodingKey { case source, examples, trials, latent, klTerm = "kl_term", exact, tensors }

    init(
      source: String, examples: [Int], trials: Int, latent: Int, study: EncoderGradientStudy
    ) {
      (self.source, self.examples, self.trials, self.latent) = (source, examples, trials, latent)
      exact =
        study.latentGradients == nil
        ? nil : "Stein's identities by the trapezoid rule over q's mean +- 8 sigma, carried through the encoder"
      tensors = study.tensors.map(Tensor.init)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      /// Three significant digits: plainly from 0.001 to 99,999, else in powers of ten.
      func short(_ value: Double?) -> String {
        guard let value else { return "-" }
        guard value == 0 || (abs(value) >= 1e-3 && abs(value) < 1e5) else { return NumberFormat.scientific(value, 2) }
        return NumberFormat.shortest(NumberFormat.rounded(value, significantDigits: 3))
      }
      func z(_ agreement: Agreement?) -> String {
        guard let agreement else { return "-" }
        return "\(NumberFormat.fixed(agreement.rms, 2)) / \(NumberFormat.fixed(agreement.max, 1))"
      }
      var table = TextTable([
        ("tensor", .left), ("estimator", .left), ("total variance", .right), ("SNR", .right),
        ("/ pathwise", .right), ("z vs pathwise", .right), ("z vs exact", .right),
      ])
      for tensor in tensors {
        for (position, member) in tensor.estimators.members.enumerated() {
          let others = Dictionary(uniqueKeysWithValues: member.value.agreement.members.map { ($0.key, $0.value) })
          let reference = member.key == LatentGradientEstimator.pathwise.rawValue ? nil : others["pathwise"]
          table.append([
            position == 0 ? tensor.name : "", member.key, short(member.value.totalVariance), short(member.value.snr),
            short(member.value.varianceRatio), z(reference), z(others["exact"]),
          ])
        }
      }
      let (first, last) = (examples.first ?? 0, examples.last ?? 0)
      let heldOut = source == "the held-out set"
      let of =
        switch (heldOut, examples.count == 1) {
        case (true, true): "held-out example \(first)"
        case (true, false): "the mean over held-out examples \(first) to \(last)"
        case (false, true): "row \(first) of \(source)"
        case (false, false): "the mean over rows \(first) to \(last) of \(source)"
        }
      var lines = ResultBlocks()
      lines.append(
        "the gradient of -ELBO with respect to the encoder's tensors, for \(of) (\(latent)-D latent): \(trials) independent estimates per estimator"
      )
      lines.append(table)
      lines.append(contentsOf: [
        "the KL term is in closed form in every estimator; the score function estimates the reconstruction term as -log p(x|z) d/dphi log q(z|x), and score+baseline subtracts the leave-one-out mean of the other trials' -log p(x|z)",
        "SNR: |mean| / std per entry, averaged over entries that vary; / pathwise: total variance over the pathwise estimator's",
        "z: |difference of the means| / its standard error, root mean square over entries / largest (rms about 1 when both estimate the same gradient)",
      ])
      if let exact {
        let error = tensors.compactMap(\.exactError).max() ?? 0
        lines.append("exact: \(exact); largest quadrature error \(short(error))")
      } else {
        lines.append("no exact gradient: quadrature over the latent space is done for 1- and 2-D latents only")
      }
      return lines.all
    }
  }
}
