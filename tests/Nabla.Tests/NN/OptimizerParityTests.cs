using Nabla.NN;
using Nabla.Optim;
using Nabla.Tests.Tensors.Support;
using TorchSharp;
using static TorchSharp.torch;
using Generator = Nabla.Tensors.Generator;
using Tensor = Nabla.Tensors.Tensor;
using TT = TorchSharp.torch.Tensor;

namespace Nabla.Tests.NN;

/// <summary>
/// Ten steps of each optimizer on the same two-layer network, data and hyper-parameters in Nabla and in
/// libtorch (TorchSharp's optimizers): the parameters must agree within 1e-5 after every step.
/// </summary>
public class OptimizerParityTests
{
    public static TheoryData<string> Optimizers => new() { "sgd", "sgd-momentum", "adam", "adam-l2", "adamw", "adamw-groups" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void TenStepsMatchLibtorch(string kind)
    {
        var g = new Generator(11);
        var model = new Sequential(new Linear(4, 16, generator: g), new Tanh(), new Linear(16, 3, generator: g));
        Tensor x = Tensor.Randn([32, 4], g);
        Tensor y = Tensor.RandInt(0, 3, [32], g);

        using var scope = NewDisposeScope();
        var torchParams = model.Parameters().Select(p => new TorchSharp.Modules.Parameter(TorchParity.ToTorch(p).detach().clone(), requires_grad: true)).ToList();
        TT tx = TorchParity.ToTorch(x), ty = TorchParity.ToTorch(y);

        var (nabla, torchOptimizer) = Build(kind, model, torchParams);
        for (int step = 0; step < 10; step++)
        {
            nabla.ZeroGrad();
            model.Forward(x).CrossEntropy(y).Backward();
            nabla.Step();

            torchOptimizer.zero_grad();
            TT hidden = nn.functional.linear(tx, torchParams[0], torchParams[1]).tanh();
            nn.functional.cross_entropy(nn.functional.linear(hidden, torchParams[2], torchParams[3]), ty).backward();
            torchOptimizer.step();

            foreach (var (p, tp) in model.Parameters().Zip(torchParams))
                TorchParity.AssertClose($"{kind}, step {step + 1}, {p.Name}", p, tp, 1e-5);
        }
    }

    private static (Optimizer, TorchSharp.Modules.OptimizerHelper) Build(string kind, Module model, List<TorchSharp.Modules.Parameter> tp)
    {
        IEnumerable<Tensor> ps = model.Parameters();
        switch (kind)
        {
            case "sgd": return (new Sgd(ps, 0.1f), optim.SGD(tp, 0.1));
            case "sgd-momentum": return (new Sgd(ps, 0.05f, momentum: 0.9f, weightDecay: 1e-2f), optim.SGD(tp, 0.05, momentum: 0.9, weight_decay: 1e-2));
            case "adam": return (new Adam(ps, 1e-2f), optim.Adam(tp, 1e-2));
            case "adam-l2": return (new Adam(ps, 1e-2f, weightDecay: 0.1f), optim.Adam(tp, 1e-2, weight_decay: 0.1));
            case "adamw": return (new AdamW(ps, 1e-2f, beta2: 0.95f, weightDecay: 0.1f), optim.AdamW(tp, 1e-2, beta2: 0.95, weight_decay: 0.1));
            default:
            {
                // nanoGPT's grouping: decay the 2-D weights, not the biases.
                var decay = model.Parameters().Where(p => p.Rank >= 2);
                var noDecay = model.Parameters().Where(p => p.Rank < 2);
                var nablaGroups = new[] { new ParameterGroup(decay, weightDecay: 0.1f), new ParameterGroup(noDecay, weightDecay: 0f) };
                var torchGroups = new[]
                {
                    new TorchSharp.Modules.AdamW.ParamGroup(tp.Where(p => p.dim() >= 2), new TorchSharp.Modules.AdamW.Options { LearningRate = 1e-2, weight_decay = 0.1 }),
                    new TorchSharp.Modules.AdamW.ParamGroup(tp.Where(p => p.dim() < 2), new TorchSharp.Modules.AdamW.Options { LearningRate = 1e-2, weight_decay = 0 }),
                };
                return (new AdamW(nablaGroups, 1e-2f), optim.AdamW(torchGroups, 1e-2));
            }
        }
    }

    [Fact]
    public void ClippingMatchesLibtorchAndReturnsTheNormBefore()
    {
        var g = new Generator(12);
        var model = new Linear(6, 5, generator: g);
        model.Forward(Tensor.Randn([4, 6], g) * 10f).Pow(2f).Sum().Backward();
        using var scope = NewDisposeScope();
        var tp = model.Parameters().Select(p =>
        {
            var t = new TorchSharp.Modules.Parameter(TorchParity.ToTorch(p).detach().clone(), requires_grad: true);
            t.grad = TorchParity.ToTorch(p.Grad!);
            return t;
        }).ToList();
        float norm = GradientClipping.ClipGradNorm(model.Parameters(), 1f);
        double torchNorm = nn.utils.clip_grad_norm_(tp, 1.0);
        Assert.Equal(torchNorm, norm, 1e-3 * torchNorm);
        foreach (var (p, t) in model.Parameters().Zip(tp)) TorchParity.AssertClose("clipped " + p.Name, p.Grad!, t.grad!, 1e-6);
        Assert.Equal(1f, GradientClipping.ClipGradNorm(model.Parameters(), 5f), 1e-4f);   // the norm is now 1: unchanged
    }

    [Fact]
    public void AStepAllocatesNothingAfterTheFirst()
    {
        var g = new Generator(13);
        var model = new Sequential(new Linear(8, 32, generator: g), new Tanh(), new Linear(32, 8, generator: g));
        model.Forward(Tensor.Randn([4, 8], g)).Sum().Backward();
        foreach (Optimizer optimizer in new Optimizer[] { new Sgd(model.Parameters(), 0.1f, momentum: 0.9f, weightDecay: 0.1f), new Adam(model.Parameters(), weightDecay: 0.1f), new AdamW(model.Parameters()) })
        {
            optimizer.Step();                                // allocates the state
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) optimizer.Step();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{optimizer.GetType().Name}: {allocated} bytes allocated in 10 steps");
        }
    }

    [Fact]
    public void StateRoundTripsAndResumesIdentically()
    {
        var g = new Generator(14);
        Tensor x = Tensor.Randn([8, 3], g);
        (Linear, AdamW) Fresh() { var m = new Linear(3, 2, generator: new Generator(15)); return (m, new AdamW(m.Parameters(), 1e-2f)); }
        void Train(Linear m, Optimizer o, int steps)
        {
            for (int i = 0; i < steps; i++) { o.ZeroGrad(); m.Forward(x).Pow(2f).Mean().Backward(); o.Step(); }
        }

        var (straight, straightOptimizer) = Fresh();
        Train(straight, straightOptimizer, 6);

        var (first, firstOptimizer) = Fresh();
        Train(first, firstOptimizer, 3);
        var modelState = first.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone().Detach());
        var optimizerState = firstOptimizer.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Detach().Clone());
        Assert.Equal(["step", "state.0.exp_avg", "state.0.exp_avg_sq", "state.1.exp_avg", "state.1.exp_avg_sq"], optimizerState.Keys);

        var (resumed, resumedOptimizer) = Fresh();
        resumed.LoadStateDict(modelState);
        resumedOptimizer.LoadStateDict(optimizerState);
        Assert.Equal(3, resumedOptimizer.StepCount);
        Train(resumed, resumedOptimizer, 3);
        Assert.Equal(straight.Weight.ToArray(), resumed.Weight.ToArray());   // to the last bit
        Assert.Equal(straight.Bias!.ToArray(), resumed.Bias!.ToArray());

        optimizerState["state.0.exp_avg"] = Tensor.Zeros(5);
        Assert.Contains("'state.0.exp_avg' has shape [5]", Assert.Throws<InvalidDataException>(() => resumedOptimizer.LoadStateDict(optimizerState)).Message);
    }

    [Fact]
    public void BadHyperParametersAndParametersAreNamed()
    {
        var layer = new Linear(2, 2);
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => new Sgd(layer.Parameters(), -1f)).Message);
        Assert.Contains("betas", Assert.Throws<ArgumentException>(() => new Adam(layer.Parameters(), beta1: 1f)).Message);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => new Sgd(layer.Parameters().Concat(layer.Parameters()), 0.1f)).Message);
        Assert.Contains("not a leaf", Assert.Throws<ArgumentException>(() => new Sgd([layer.Weight * 2f], 0.1f)).Message);
    }

    [Fact]
    public void SchedulesFollowTheirFormulas()
    {
        var cosine = new LearningRateSchedule.WarmupCosine(1e-3f, 1e-4f, WarmupSteps: 100, DecaySteps: 2000);
        Assert.Equal(1e-3f / 101, cosine.At(0), 1e-9f);
        Assert.Equal(1e-3f, cosine.At(100), 1e-9f);
        Assert.Equal(5.5e-4f, cosine.At(1050), 1e-8f);   // halfway: the mean of max and min
        Assert.Equal(1e-4f, cosine.At(2000));
        Assert.Equal(1e-4f, cosine.At(5000));
        var step = new LearningRateSchedule.StepDecay(0.1f, 100_000, 0.1f);
        Assert.Equal(0.1f, step.At(99_999));
        Assert.Equal(0.01f, step.At(100_000), 1e-9f);
        Assert.Equal(0.3f, new LearningRateSchedule.Constant(0.3f).At(7));
    }
}
