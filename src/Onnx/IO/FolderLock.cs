using System.Globalization;

namespace Pipelines.Onnx;

/// <summary>
/// An exclusive claim on an output folder for the lifetime of one command: <c>&lt;folder&gt;/.pipelines.lock</c>, opened
/// exclusively (an OS lock, released when the process ends however it ends), and <c>.pipelines.lock.info</c> beside it
/// naming the holder's pid, command and start time, so a second writer is refused with a message naming the first. An
/// info file whose lock is free was left by a killed run: it is taken over and <see cref="Warnings"/> names it. Taking
/// the lock also cleans what killed runs left (<see cref="StagedFolder.CleanStale(string)"/>). Format:
/// <c>docs/formats/model-folder.md</c>.
/// </summary>
/// <remarks>
/// A busy folder is an <see cref="ErrorKind.Resource"/> error (exit code 1), not a usage error: the command line is
/// valid, and the same command succeeds once the other writer is done. The holder information sits in its own file
/// because an exclusively opened file cannot be read by other .NET processes; the lock file itself stays in the folder
/// (deleting it would let a writer that opened it just before hold a lock on a file nobody else sees).
/// </remarks>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file's name inside the locked folder.</summary>
    public const string FileName = ".pipelines.lock";

    /// <summary>The holder information's file name inside the locked folder, present while the lock is held.</summary>
    public const string InfoFileName = ".pipelines.lock.info";

    private FileStream? _stream;

    private FolderLock(string directory, string command, FileStream stream, IReadOnlyList<string> warnings)
    {
        Directory = directory;
        Command = command;
        _stream = stream;
        Warnings = warnings;
    }

    /// <summary>Gets the locked folder (full path).</summary>
    public string Directory { get; }

    /// <summary>Gets the command that holds the lock.</summary>
    public string Command { get; }

    /// <summary>Gets what taking the lock found and did: a lock taken over from a killed run, temporaries removed or left.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Creates <paramref name="directory"/> if needed and takes its lock, then cleans what killed runs left there
    /// (<see cref="StagedFolder.CleanStale(string)"/>).
    /// </summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="command">The command taking it, e.g. <c>lora init</c> (named to a second writer).</param>
    /// <exception cref="PipelinesException">(<see cref="ErrorKind.Resource"/>) Another writer holds the folder; the message names its pid, command and start time.</exception>
    public static FolderLock Acquire(string directory, string command)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(command);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        System.IO.Directory.CreateDirectory(full);
        string lockPath = Path.Combine(full, FileName);
        string infoPath = Path.Combine(full, InfoFileName);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(lockPath))
        {
            string holder = TryRead(infoPath) is { } info ? Describe(info) : "another Pipelines command (starting or ending)";
            throw new PipelinesException(ErrorKind.Resource, $"'{full}' is being written by {holder}; wait for it to finish or choose another output folder (lock: {lockPath}).", e);
        }

        try
        {
            var warnings = new List<string>();
            if (File.Exists(infoPath))
            {
                warnings.Add($"took over '{full}' from {Describe(File.ReadAllText(infoPath))}, which no longer holds its lock (killed?)");
            }

            string started = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            AtomicFile.WriteAllText(infoPath, $"pid={Environment.ProcessId}\ncommand={command}\nstarted={started}\n");
            warnings.AddRange(StagedFolder.CleanStale(full));
            return new FolderLock(full, command, stream, warnings);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Releases the lock: removes the holder information, then closes the lock file (which stays, empty).</summary>
    public void Dispose()
    {
        if (_stream is null)
        {
            return;
        }

        try
        {
            File.Delete(Path.Combine(Directory, InfoFileName));
        }
        catch (IOException)
        {
            // Best effort: an info file left with a free lock is taken over, with a warning, by the next writer.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }

        _stream.Dispose();
        _stream = null;
    }

    /// <summary>The holder information, or null when it is gone (its writer is starting or ending).</summary>
    private static string? TryRead(string infoPath)
    {
        try
        {
            return File.ReadAllText(infoPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>"process 123 (lora init, started 2026-01-01T00:00:00Z)" from an info file's text.</summary>
    private static string Describe(string info)
    {
        string Get(string key) =>
            info.Split('\n').FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..].Trim() ?? "?";
        return $"process {Get("pid")} ({Get("command")}, started {Get("started")})";
    }
}
