using Nabla.Models;
using Nabla.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = Nabla.Tensors.Tensor;
using TT = TorchSharp.torch.Tensor;
using Generator = Nabla.Tensors.Generator;

namespace Nabla.Benchmarks;

/// <summary>
/// The MLP row of "makemore-speed": <see cref="Mlp"/> at makemore.py's default sizes (block 16, n_embd 64,
/// n_embd2 64, vocab 27), one training step (forward, cross-entropy, backward, AdamW) on 512 contexts, the
/// predictions makemore.py's batch of 32 names of 16 positions makes, beside the same network in TorchSharp
/// (embedding, Linear, tanh, Linear) on copies of the weights, in alternating rounds.
/// </summary>
public static class MakemoreMlpSpeed
{
    private const int Contexts = 512, Vocab = 27, Block = 16, Embd = 64, Hidden = 64;

    /// <summary>Median seconds per step for Nabla and for libtorch, and the first losses (which must agree).</summary>
    public static (double Nabla, double Torch) Run(int rounds, double seconds)
    {
        var model = new Mlp(new MakemoreConfig { VocabularySize = Vocab, BlockSize = Block, NEmbd = Embd, NEmbd2 = Hidden }, new Generator(3407));
        var optimizer = new Nabla.Optim.AdamW(model.Parameters(), 5e-4f, 0.9f, 0.99f, 1e-8f, weightDecay: 0.01f);
        var g = new Generator(5);
        Tensor x = Tensor.RandInt(0, Vocab, [Contexts, Block], g), y = Tensor.RandInt(0, Vocab, [Contexts], g);

        using var scope = NewDisposeScope();
        var w = model.NamedParameters().ToDictionary(p => p.Name,
            p => new TorchSharp.Modules.Parameter(torch.tensor(p.Parameter.ToArray(), p.Parameter.Shape.ToArray().Select(d => (long)d).ToArray()), requires_grad: true));
        var torchOptimizer = optim.AdamW(w.Values, 5e-4, 0.9, 0.99, 1e-8, weight_decay: 0.01);
        TT tx = torch.tensor(x.ToIntArray().Select(v => (long)v).ToArray(), [Contexts, Block]);
        TT ty = torch.tensor(y.ToIntArray().Select(v => (long)v).ToArray(), [Contexts]);
        TT TorchLoss()
        {
            TT h = nn.functional.linear(w["wte.weight"][tx].view(Contexts, -1), w["hidden.weight"], w["hidden.bias"]).tanh();
            return nn.functional.cross_entropy(nn.functional.linear(h, w["output.weight"], w["output.bias"]), ty);
        }

        float nablaFirst, torchFirst;
        using (new TensorScope()) nablaFirst = model.Loss(x, y).Item();
        using (NewDisposeScope()) torchFirst = TorchLoss().item<float>();
        if (Math.Abs(nablaFirst - torchFirst) > 1e-4)
            throw new InvalidOperationException($"makemore-speed mlp: the networks differ: first loss {nablaFirst} in Nabla, {torchFirst} in libtorch");

        void NablaStep()
        {
            using (new TensorScope()) model.Loss(x, y).Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        void TorchStep()
        {
            using (NewDisposeScope()) TorchLoss().backward();
            torchOptimizer.step();
            torchOptimizer.zero_grad();
        }
        return Measure.AlternatingMedians(NablaStep, TorchStep, rounds, step => Measure.MedianSeconds(step, minSeconds: seconds / rounds));
    }
}
