using Nabla.Tests.Support;

namespace Nabla.Tests.Scalar;

public class LessonTests
{
    /// <summary>The lesson is a .NET 10 file-based app; it checks its own by-hand gradients against
    /// Backward() and exits non-zero on a mismatch.</summary>
    [Fact]
    public async Task MicrogradLessonRunsAndExitsZero()
    {
        string output = await Lessons.RunToSuccessAsync("lessons/01-micrograd.cs");
        Assert.Contains("every gradient by hand matched Backward()", output);
        Assert.Contains("final training accuracy: 100%", output);
    }
}
