using Nabla.Tests.Support;

namespace Nabla.Tests.Scalar;

public class LessonTests
{
    /// <summary>The lesson is a .NET 10 file-based app; it checks its own by-hand gradients against
    /// Backward() and exits non-zero on a mismatch.</summary>
    [Fact]
    public async Task MicrogradLessonRunsAndExitsZero()
    {
        var result = await Lessons.RunAsync("lessons/01-micrograd.cs", TimeSpan.FromMinutes(8));
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("every gradient by hand matched Backward()", result.Stdout);
        Assert.Contains("final training accuracy: 100%", result.Stdout);
    }
}
