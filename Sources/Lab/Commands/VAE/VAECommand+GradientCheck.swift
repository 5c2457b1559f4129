import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae gradcheck

  static let gradcheck = CommandSpec(
    name: "gradcheck",
    summary: "backpropagated gradients against central finite differences, in double precision",
    discussion: """
      Copies the model into double precision and, on 4 held-out examples with
      fixed noise, compares each tensor's backpropagated gradient with
      (L(w + h) - L(w - h)) / 2h, h = 1e-6, at its 12 largest entries.
      The relative error is |a - n| / (|a| + |n|); an entry agrees when
      |a - n| <= 1e-5 (|a| + |n|) + 100 eps |L| / h, the last term the
      differences' rounding (which small gradients, as an untrained model's
      latent biases, would otherwise misread as disagreement).
      """,
    arguments: NoArguments.self,
    examples: ["vae gradcheck"],
    action: { session, _ throws(LabError) in
      let workbench = try workbench(session)
      let configuration = workbench.configuration
      let model = workbench.model.converted(to: Double.self)
      let count = min(4, workbench.data.heldOutCount)
      let x = try heldOutRows(workbench, Array(0..<count)).map(Double.init)
      var generator = Xoshiro256StarStar(seed: 0x6AD)
      let noise = (0..<(count * configuration.latent)).map { _ in NormalSampler.next(using: &generator) }
      let tensors = try LabError.stoppingOnInterrupt { () throws(Interrupted) in
        try GradientCheck.tensors(of: model, x: x, noise: noise, largest: 12, shouldStop: session.shouldStop)
      }
      return Output(GradientCheckResult(tensors: tensors))
    })

  /// Each tensor's largest relative error between backpropagated and
  /// finite-difference gradients, and the verdict.
  struct GradientCheckResult: BlockResult {
    var tensors: [GradientCheck.Tensor]

    var agrees: Bool { tensors.allSatisfy(\.agrees) }

    /// JSON: tensor name to its largest relative error.
    func encode(to encoder: any Encoder) throws {
      try JSONMembers(tensors.map { ($0.name, $0.largestRelativeError) }).encode(to: encoder)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      var table = TextTable([("tensor", .left), ("entries", .right), ("max relative error", .right)])
      for tensor in tensors {
        table.append([tensor.name, "\(tensor.entries.count)", NumberFormat.scientific(tensor.largestRelativeError, 1)])
      }
      let verdict = agrees ? "gradients agree" : "GRADIENTS DISAGREE"
      return [
        .table(table),
        .text(
          "\(verdict) (double precision, h = 1e-6, relative error |a - n| / (|a| + |n|); agreeing means |a - n| <= 1e-5 (|a| + |n|) + 100 eps |L| / h)"
        ),
      ]
    }
  }
}
