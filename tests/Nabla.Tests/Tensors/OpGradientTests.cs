using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;

namespace Nabla.Tests.Tensors;

/// <summary>Every differentiable operation against central finite differences (see GradCheck for the tolerances).</summary>
public class OpGradientTests
{
    [Theory]
    [MemberData(nameof(OpCases.Names), MemberType = typeof(OpCases))]
    public void AnalyticGradientMatchesFiniteDifferences(string name)
    {
        OpCase c = OpCases.Get(name);
        Tensor[] inputs = c.Inputs(new Generator(2024));
        GradCheck.Check(c.Nabla, inputs);
    }
}

/// <summary>Every operation against libtorch: forward values and gradients, on random inputs.</summary>
public class OpParityTests
{
    [Theory]
    [MemberData(nameof(OpCases.Names), MemberType = typeof(OpCases))]
    public void MatchesLibtorch(string name)
    {
        OpCase c = OpCases.Get(name);
        Tensor[] inputs = c.Inputs(new Generator(7));
        TorchParity.Check(c.Nabla, c.Torch, inputs);
    }
}
