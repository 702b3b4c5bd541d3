using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Tests.NN;

public class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public readonly LayerNorm Ln;
        public readonly Linear Fc;
        public readonly BatchNorm1d Bn;

        public Block(Generator g)
        {
            Ln = Child("ln_1", new LayerNorm(4));
            Fc = Child("c_fc", new Linear(4, 4, generator: g));
            Bn = Child("bn", new BatchNorm1d(4));
        }

        public override Tensor Forward(Tensor x) => Bn.Forward(Fc.Forward(Ln.Forward(x)));
    }

    private sealed class Model : Module<Tensor, Tensor>
    {
        public readonly Sequential H;

        public Model(Generator g) => H = Child("h", new Sequential(new Block(g), new Block(g)));

        public override Tensor Forward(Tensor x) => H.Forward(x);
    }

    [Fact]
    public void NamesComposeIntoDottedStateDictNames()
    {
        var model = new Model(new Generator(1));
        string[] names = model.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(["h.0.ln_1.weight", "h.0.ln_1.bias", "h.0.c_fc.weight", "h.0.c_fc.bias", "h.0.bn.weight", "h.0.bn.bias"], names.Take(6));
        Assert.Equal(12, names.Length);
        Assert.Equal(["h.0.bn.running_mean", "h.0.bn.running_var", "h.1.bn.running_mean", "h.1.bn.running_var"], model.NamedBuffers().Select(b => b.Name));
        Assert.All(model.NamedParameters(), p => Assert.Equal(p.Name, p.Parameter.Name)); // the tensors carry their names
        Assert.Equal(2 * (8 + 20 + 8), model.ParameterCount());
        Assert.Equal(16, model.StateDict().Count);
    }

    [Fact]
    public void TrainAndEvalReachEveryDescendant()
    {
        var model = new Model(new Generator(2));
        model.Eval();
        Assert.All(model.NamedModules(), m => Assert.False(m.Module.IsTraining));
        model.Train();
        Assert.All(model.NamedModules(), m => Assert.True(m.Module.IsTraining));
    }

    [Fact]
    public void StateDictLoadsIntoAFreshModelAndRefusesWhatDoesNotFit()
    {
        var source = new Model(new Generator(3));
        var target = new Model(new Generator(4));
        Tensor x = Tensor.Randn([6, 4], new Generator(5));
        source.Forward(x);                                 // moves the running statistics
        target.LoadStateDict(source.StateDict());
        source.Eval(); target.Eval();
        Assert.Equal(source.Forward(x).ToArray(), target.Forward(x).ToArray());

        var state = source.StateDict();
        state.Remove("h.1.c_fc.bias");
        state["h.0.c_fc.weight"] = Tensor.Zeros(4, 5);
        state["h.2.c_fc.weight"] = Tensor.Zeros(4, 4);
        string message = Assert.Throws<InvalidDataException>(() => target.LoadStateDict(state)).Message;
        Assert.Contains("'h.0.c_fc.weight' has shape [4,5], the model's is [4,4]", message);
        Assert.Contains("missing 'h.1.c_fc.bias'", message);
        Assert.Contains("unexpected 'h.2.c_fc.weight'", message);

        state.Remove("h.0.c_fc.weight");
        target.LoadStateDict(state, strict: false);        // partial load: matching names only
    }

    [Fact]
    public void ZeroGradKeepsTheBuffersAndSummaryCountsParameters()
    {
        var model = new Model(new Generator(6));
        model.Forward(Tensor.Randn([6, 4], new Generator(7))).Sum().Backward();
        Tensor grad = model.Fc().Weight.Grad!;
        model.ZeroGrad();
        Assert.Same(grad, model.Fc().Weight.Grad);
        Assert.All(grad.ToArray(), v => Assert.Equal(0f, v));

        string summary = model.Summary();
        Assert.Contains("(model)", summary);
        Assert.Contains("h.0.c_fc", summary);
        Assert.Matches(@"h\.0\.c_fc\s+Linear\s+20\s+20", summary);
        Assert.Matches(@"\(model\)\s+Model\s+0\s+72", summary);
    }

    [Fact]
    public void ANameIsRegisteredOnce()
    {
        Assert.Throws<ArgumentException>(() => new Twice());
    }

    private sealed class Twice : Module
    {
        public Twice()
        {
            Parameter("w", Tensor.Zeros(2));
            Parameter("w", Tensor.Zeros(2));
        }
    }
}

internal static class ModelAccess
{
    public static Linear Fc(this Module model) => (Linear)model.NamedModules().First(m => m.Name == "h.0.c_fc").Module;
}
