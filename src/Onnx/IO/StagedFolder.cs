using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Pipelines.Onnx;

/// <summary>
/// Replaces a folder's files as a set: the new set is written into a hidden sibling folder
/// (<c>.&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c>) and <see cref="Commit"/> swaps it in by renaming, so a reader of the
/// folder finds the old complete set or the new one, never a mix. Entries of the old folder that the new set does not
/// have (other outputs, <c>checkpoint/</c>, the <see cref="FolderLock"/> file) are carried over. A kill before the swap
/// leaves the old set untouched and the sibling behind; a kill inside the swap leaves the old set in
/// <c>.&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.old</c> (or, on Linux, under the staging name with a <c>.pipelines.swapped</c>
/// marker). The next writer's <see cref="CleanStale(string)"/> removes the first and moves the second back
/// (<c>docs/formats/model-folder.md</c>). On Linux the swap is one atomic exchange and the writer's lock file is
/// hard-linked into the new set first, so the folder and its lock exist at every instant.
/// </summary>
public sealed partial class StagedFolder : IDisposable
{
    /// <summary>Marks the old set just before an exchange (<see cref="TryExchange"/>).</summary>
    private const string SwappedMarker = ".pipelines.swapped";

    private const uint RenameExchangeFlag = 2; // RENAME_EXCHANGE, linux/fs.h
    private const int AtCurrentDirectory = -100; // AT_FDCWD

    /// <summary>Where temporaries are looked for: the folder and its subfolders (<c>checkpoint/</c>), no deeper.</summary>
    private static readonly EnumerationOptions s_folderAndSubfolders = new() { RecurseSubdirectories = true, MaxRecursionDepth = 1, AttributesToSkip = 0 };

    private bool _done;

    private StagedFolder(string target, string directory)
    {
        Target = target;
        Directory = directory;
    }

    /// <summary>Gets the folder the set replaces (full path).</summary>
    public string Target { get; }

    /// <summary>Gets the hidden sibling folder to write the new set into.</summary>
    public string Directory { get; }

    /// <summary>Creates the staging folder beside <paramref name="target"/>.</summary>
    /// <param name="target">The folder to replace (created by <see cref="Commit"/> if missing).</param>
    public static StagedFolder Create(string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        var staged = new StagedFolder(full, Sibling(full, "tmp"));
        System.IO.Directory.CreateDirectory(staged.Directory);
        return staged;
    }

    /// <summary>
    /// Swaps the staged set in — on Linux by one atomic exchange of the two folders (<see cref="TryExchange"/>), elsewhere
    /// by two renames (the target moves aside, the staging folder takes its name) — then moves over the old folder's
    /// entries the new set lacks and deletes the old folder.
    /// </summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        string? parent = Path.GetDirectoryName(Target);
        if (parent is not null)
        {
            System.IO.Directory.CreateDirectory(parent);
        }

        if (!System.IO.Directory.Exists(Target))
        {
            System.IO.Directory.Move(Directory, Target);
            _done = true;
            return;
        }

        string old = Sibling(Target, "old");
        LinkLock(Target, Directory);
        if (TryExchange(old))
        {
            return;
        }

        try
        {
            System.IO.Directory.Move(Target, old);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Windows cannot rename a folder that holds an open file (the writer's own lock): replace the files one by
            // one instead, the manifest last, so the manifest-written-last rule still refuses a mix.
            ReplaceFileByFile(Directory, Target);
            _done = true;
            System.IO.Directory.Delete(Directory, recursive: true);
            return;
        }

        try
        {
            System.IO.Directory.Move(Directory, Target);
        }
        catch
        {
            System.IO.Directory.Move(old, Target);
            throw;
        }

        _done = true;
        CarryOver(old, Target);
        System.IO.Directory.Delete(old, recursive: true);
    }

    /// <summary>
    /// Linux: swaps the staging folder and the target in one <c>renameat2(RENAME_EXCHANGE)</c>, so the target path never
    /// disappears and, with the lock file hard-linked into the new set (<see cref="LinkLock"/>), the writer's lock is held
    /// at every instant. The old set gets a marker first: if the process dies right after the exchange, the old set sits
    /// under the staging name, and <see cref="CleanStale(string)"/> recognises it by the marker and carries it over like
    /// an <c>.old</c> folder instead of deleting it.
    /// </summary>
    /// <returns>False when the exchange is not available (other systems, file systems without it): nothing was changed.</returns>
    private bool TryExchange(string old)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        string marker = Path.Combine(Target, SwappedMarker);
        File.WriteAllBytes(marker, []);
        if (RenameExchange(Directory, Target) != 0)
        {
            File.Delete(marker);
            return false;
        }

        _done = true;
        System.IO.Directory.Move(Directory, old);
        CarryOver(old, Target);
        System.IO.Directory.Delete(old, recursive: true);
        return true;
    }

    /// <summary>
    /// Hard-links <paramref name="from"/>'s lock file (the same file, so the same OS lock) and its holder information
    /// into <paramref name="to"/>, so a second writer finds both in the new set from its first instant.
    /// </summary>
    private static void LinkLock(string from, string to)
    {
        foreach (string name in (string[])[FolderLock.FileName, FolderLock.InfoFileName])
        {
            string existing = Path.Combine(from, name);
            string link = Path.Combine(to, name);
            if (OperatingSystem.IsLinux() && File.Exists(existing) && !File.Exists(link))
            {
                _ = Link(existing, link); // best effort: without it the file is carried over after the swap, as elsewhere
            }
        }
    }

    /// <summary>Deletes the staging folder unless the set was committed.</summary>
    public void Dispose()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the next writer's CleanStale removes it.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }

    /// <summary>
    /// Cleans what killed writers left in and beside <paramref name="target"/>: unfinished staging folders and
    /// <see cref="AtomicFile"/> temporaries (<c>.&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c>) are deleted, an old set left
    /// inside a swap (<c>.old</c>) is moved back; those of a process still running are only named. Call it while
    /// holding the folder's <see cref="FolderLock"/>.
    /// </summary>
    /// <param name="target">The output folder (temporaries are looked for in it and its subfolders).</param>
    /// <returns>One line per leftover found, saying what was done.</returns>
    public static IReadOnlyList<string> CleanStale(string target) => CleanStale(target, IsAlive);

    /// <summary><see cref="CleanStale(string)"/> with the liveness test given (tests simulate killed processes).</summary>
    internal static IReadOnlyList<string> CleanStale(string target, Func<int, bool> isAlive)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(isAlive);
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        string parent = Path.GetDirectoryName(full) ?? ".";
        string name = Path.GetFileName(full);
        var lines = new List<string>();
        if (System.IO.Directory.Exists(parent))
        {
            foreach (string sibling in System.IO.Directory.EnumerateDirectories(parent, $".{name}.*").Order(StringComparer.Ordinal).ToList())
            {
                Match m = Leftover().Match(Path.GetFileName(sibling));
                if (!m.Success || m.Groups["name"].Value != name)
                {
                    continue;
                }

                int pid = Pid(m);
                if (isAlive(pid))
                {
                    lines.Add($"left '{sibling}' alone: it belongs to process {pid}, which is still running");
                }
                else if (m.Groups["kind"].Value == "old" || File.Exists(Path.Combine(sibling, SwappedMarker)))
                {
                    System.IO.Directory.CreateDirectory(full);
                    CarryOver(sibling, full);
                    System.IO.Directory.Delete(sibling, recursive: true);
                    lines.Add($"restored '{full}' from '{sibling}', left by process {pid} inside a swap (killed?)");
                }
                else
                {
                    System.IO.Directory.Delete(sibling, recursive: true);
                    lines.Add($"removed '{sibling}', an unfinished set left by process {pid} (killed?)");
                }
            }
        }

        if (System.IO.Directory.Exists(full))
        {
            if (File.Exists(Path.Combine(full, SwappedMarker)))
            {
                File.Delete(Path.Combine(full, SwappedMarker)); // a swap that never happened
            }

            foreach (string file in System.IO.Directory.EnumerateFiles(full, ".*.tmp", s_folderAndSubfolders).Order(StringComparer.Ordinal).ToList())
            {
                Match m = Leftover().Match(Path.GetFileName(file));
                if (!m.Success || m.Groups["kind"].Value != "tmp")
                {
                    continue;
                }

                int pid = Pid(m);
                if (isAlive(pid))
                {
                    lines.Add($"left '{file}' alone: it belongs to process {pid}, which is still running");
                }
                else
                {
                    File.Delete(file);
                    lines.Add($"removed '{file}', an unfinished write left by process {pid} (killed?)");
                }
            }
        }

        return lines;
    }

    /// <summary>True when a process with id <paramref name="pid"/> runs (this one included: its leftovers may be in use).</summary>
    internal static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Moves every file of <paramref name="from"/> over its namesake in <paramref name="to"/>, <c>pipelines.json</c> last.</summary>
    internal static void ReplaceFileByFile(string from, string to)
    {
        System.IO.Directory.CreateDirectory(to);
        foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(from)
            .OrderBy(e => Path.GetFileName(e) == ModelFolder.ManifestFileName)
            .ThenBy(e => e, StringComparer.Ordinal)
            .ToList())
        {
            string dest = Path.Combine(to, Path.GetFileName(entry));
            if (System.IO.Directory.Exists(entry))
            {
                ReplaceFileByFile(entry, dest);
            }
            else
            {
                File.Move(entry, dest, overwrite: true);
            }
        }
    }

    /// <summary>Moves every entry of <paramref name="from"/> that <paramref name="to"/> lacks into <paramref name="to"/>.</summary>
    private static void CarryOver(string from, string to)
    {
        foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(from).ToList())
        {
            string dest = Path.Combine(to, Path.GetFileName(entry));
            if (File.Exists(dest) || System.IO.Directory.Exists(dest) || Path.GetFileName(entry) == SwappedMarker)
            {
                continue;
            }

            if (System.IO.Directory.Exists(entry))
            {
                System.IO.Directory.Move(entry, dest);
            }
            else
            {
                File.Move(entry, dest);
            }
        }
    }

    private static string Sibling(string target, string kind) => Path.Combine(
        Path.GetDirectoryName(target) ?? ".",
        $".{Path.GetFileName(target)}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.{kind}");

    private static int Pid(Match m) =>
        int.TryParse(m.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : -1;

    /// <summary><c>.&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp</c> (staging folder or <see cref="AtomicFile"/> temporary) or <c>.old</c>.</summary>
    [GeneratedRegex(@"^\.(?<name>.+)\.(?<pid>[0-9]{1,10})\.(?<guid>[0-9a-f]{32})\.(?<kind>tmp|old)$", RegexOptions.CultureInvariant)]
    private static partial Regex Leftover();

    private static int RenameExchange(string a, string b)
    {
        try
        {
            return RenameAt2(AtCurrentDirectory, a, AtCurrentDirectory, b, RenameExchangeFlag);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1; // a C library without renameat2 (glibc < 2.28): the two-rename swap is used
        }
    }

    private static int Link(string existing, string link)
    {
        try
        {
            return LinkNative(existing, link);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LinkNative(string existing, string link);
}
