using System.Globalization;
using Nabla.Scalar;
using Nabla.Tests.Support;

namespace Nabla.Tests.Scalar;

public class LessonTests
{
    /// <summary>The lesson is a .NET 10 file-based app; it checks its own gradients (by hand, by finite
    /// differences, its own small Value against Nabla's) and exits non-zero on a mismatch. Its training loop
    /// is written out in the lesson; it must reach what <see cref="MoonsTraining"/> reaches, step for step.</summary>
    [Fact]
    public async Task MicrogradLessonRunsAndTrainsLikeMoonsTraining()
    {
        string output = await Lessons.RunToSuccessAsync("lessons/01-micrograd.cs");
        Assert.Contains("every gradient matched", output);
        Assert.Contains("y = x + x with '=' in the backward step: dy/dx = 1 (wrong)", output);
        Assert.Contains("final training accuracy: 100%", output);

        var steps = new List<MoonsStep>();
        new MoonsTraining().Train(steps.Add);
        MoonsStep last = steps[^1];
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"step  99  loss {last.Loss:F4}  accuracy {last.Accuracy * 100,3:F0}%  learning rate {last.LearningRate:F3}"), output);
    }
}
