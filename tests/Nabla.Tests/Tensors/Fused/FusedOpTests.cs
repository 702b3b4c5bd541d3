using Nabla.Tensors;
using Nabla.Tests.Tensors.Support;

namespace Nabla.Tests.Tensors.Fused;

/// <summary>The fused-kernel tensor operations against finite differences and against libtorch.</summary>
public class FusedOpTests
{
    [Theory]
    [MemberData(nameof(FusedOpCases.Names), MemberType = typeof(FusedOpCases))]
    public void AnalyticGradientMatchesFiniteDifferences(string name)
    {
        OpCase c = FusedOpCases.Get(name);
        GradCheck.Check(c.Nabla, c.Inputs(new Generator(2024)));
    }

    [Theory]
    [MemberData(nameof(FusedOpCases.Names), MemberType = typeof(FusedOpCases))]
    public void MatchesLibtorch(string name)
    {
        OpCase c = FusedOpCases.Get(name);
        TorchParity.Check(c.Nabla, c.Torch, c.Inputs(new Generator(7)));
    }
}
