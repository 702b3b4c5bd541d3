namespace Nabla.Cli;

/// <summary>Ctrl+C during a training job: instead of killing the process, it asks the loop to save and stop.</summary>
public static class CtrlC
{
    /// <summary>Runs <paramref name="body"/> with a token that Ctrl+C cancels; the handler is removed after.</summary>
    public static T Cancels<T>(Func<CancellationToken, T> body)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCtrlC = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            return body(cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }
}
