using Pipelines.Onnx;

namespace Pipelines.Cli.Infrastructure;

/// <summary>
/// The one way a command claims the folder it writes (<c>lora init</c>, <c>lora train</c>, <c>export --out DIR</c>,
/// <c>graph train</c>): its <see cref="FolderLock"/> for the command's lifetime, with what the lock cleaned up printed as
/// warnings. A second writer fails with an <see cref="ErrorKind.Resource"/> error (exit code 1) naming the holder.
/// </summary>
internal static class OutputFolder
{
    /// <summary>Takes <paramref name="directory"/>'s lock for <paramref name="command"/>; dispose it when the command ends.</summary>
    public static FolderLock Lock(CliConsole console, string directory, string command)
    {
        FolderLock held = FolderLock.Acquire(directory, command);
        foreach (string warning in held.Warnings)
        {
            console.Warn(warning);
        }

        return held;
    }
}
