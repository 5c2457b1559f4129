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
      The relative error is |a - n| / (|a| + |n|); below about 1e-6 the two agree.
      """,
    arguments: NoArguments.self,
    examples: ["vae gradcheck"],
    action: { session, _ throws(LabError) in
      let workbench = try workbench(session)
      let configuration = workbench.configuration
      var unused = Xoshiro256StarStar(seed: 0)
      let model = VAE<Double>(configuration, generator: &unused)
      for ((_, source), (_, target)) in zip(workbench.model.layers, model.layers) {
        target.weight = source.weight.map(Double.init)
        target.bias = source.bias.map(Double.init)
      }
      let count = min(4, workbench.data.heldOutCount)
      let x = try heldOutRows(workbench, Array(0..<count)).map(Double.init)
      var generator = Xoshiro256StarStar(seed: 0x6AD)
      let noise = (0..<(count * configuration.latent)).map { _ in NormalSampler.next(using: &generator) }
      _ = model.lossAndGradients(x, noise: noise)
      func loss() -> Double {
        let losses = model.forward(x, noise: noise)
        return losses.reconstruction + configuration.beta * losses.kl
      }
      let h = 1e-6
      var table = TextTable([("tensor", .left), ("entries", .right), ("max relative error", .right)])
      var results: [(String, Double)] = []
      for (name, layer) in model.layers {
        for isWeight in [true, false] {
          let size = isWeight ? layer.weight.count : layer.bias.count
          let analytic = isWeight ? layer.weightGradient : layer.biasGradient
          // The largest gradients: where tiny ones sit below the differences' rounding (eps |L| / h),
          // their ratio measures that noise, not the gradient.
          let checked = Array(analytic.indices.sorted { abs(analytic[$0]) > abs(analytic[$1]) }.prefix(12)).sorted()
          var worst = 0.0
          for index in checked {
            func nudge(_ delta: Double) {
              if isWeight { layer.weight[index] += delta } else { layer.bias[index] += delta }
            }
            nudge(h)
            let plus = loss()
            nudge(-2 * h)
            let minus = loss()
            nudge(h)
            let numeric = (plus - minus) / (2 * h)
            let scale = abs(analytic[index]) + abs(numeric)
            worst = max(worst, scale < 1e-10 ? 0 : abs(analytic[index] - numeric) / scale)
          }
          let tensor = "\(name).\(isWeight ? "weight" : "bias")"
          results.append((tensor, worst))
          table.append([tensor, "\(checked.count)", NumberFormat.scientific(worst, 1)])
        }
      }
      let verdict = results.allSatisfy { $0.1 < 1e-5 } ? "gradients agree" : "GRADIENTS DISAGREE"
      return Output(
        text: table.rendered + "\n\(verdict) (double precision, h = 1e-6, relative error |a - n| / (|a| + |n|))",
        json: .object(results.map { ($0.0, .number($0.1)) }))
    })
}
