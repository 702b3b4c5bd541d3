using Nabla.Models;
using Nabla.NN;
using Nabla.Tensors;

namespace Nabla.Tests.NN;

/// <summary>Init.SkipRandom: a model built inside it draws nothing and keeps its fresh tensors; outside, the same
/// seed gives the same model as ever.</summary>
public class InitTests
{
    [Fact]
    public void SkipRandom_leaves_new_parameters_undrawn_and_the_generator_untouched()
    {
        var g = new Generator(5);
        GeneratorState before = g.State;
        Gpt skipped;
        using (Init.SkipRandom())
        {
            using (Init.SkipRandom()) { }   // nested scopes: the outer one still holds
            skipped = new Gpt(new GptConfig(8, 11, 1, 2, 8), g);
        }
        Assert.Equal(before, g.State);
        Assert.All(skipped.NamedParameters().Where(p => p.Name.EndsWith(".weight") && p.Parameter.Rank == 2),
            p => Assert.All(p.Parameter.ToArray(), v => Assert.Equal(0f, v)));
        Assert.All(skipped.Transformer.LnF.Weight.ToArray(), v => Assert.Equal(1f, v));   // constants are still set

        var drawn = new Linear(4, 3, generator: new Generator(5));
        Assert.Contains(drawn.Weight.ToArray(), v => v != 0f);
    }

    [Fact]
    public void An_embedding_is_still_a_standard_normal_draw()
    {
        var embedding = new Embedding(6, 5, new Generator(9));
        Assert.Equal(Tensor.Randn([6, 5], new Generator(9)).ToArray(), embedding.Weight.ToArray());
    }
}
