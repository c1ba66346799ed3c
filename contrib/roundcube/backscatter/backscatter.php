<?php

/**
 * Bounces and backscatter
 *
 * A settings page for the bounce triage of dovecot-backscatter's Sieve
 * extension, vnd.backscatter: where bounces of the user's own mail go,
 * what happens to backscatter, and to bounces that cannot be told apart.
 * The page writes the personal script "backscatter" over the user's
 * ManageSieve connection (the managesieve plugin's engine) and adds an
 * include of it to the active filter set when it is missing, as text:
 * no other rule is rewritten. It says in words what the script does.
 *
 * Roundcube's filter form cannot represent vnd.backscatter's tests: it
 * drops them, and on the next save writes the set without them. The
 * plugin therefore refuses, with a message, every save of the form (and
 * of the filter list's delete, enable/disable and reordering, and of the
 * vacation and forwarding forms) that would rewrite a set requiring
 * vnd.backscatter, and warns when such a set is shown. Sets can still be
 * edited as text ("Edit filter set").
 *
 * Needs the managesieve plugin, and a server that offers vnd.backscatter.
 *
 * Copyright (C) the dovecot-backscatter authors
 * Licensed under the GNU General Public License version 3 or later,
 * as Roundcube's plugins are.
 */
class backscatter extends rcube_plugin
{
    public $task = 'settings|mail';

    private $rc;
    private $engine;
    private $refused_set;

    function init()
    {
        $this->rc = rcube::get_instance();

        $this->load_config();
        if (!$this->require_plugin('managesieve')) {
            return;
        }
        $this->add_texts('localization/');

        if ($this->rc->task == 'settings') {
            $this->add_hook('settings_actions', [$this, 'settings_actions']);
            $this->register_action('plugin.backscatter', [$this, 'page']);
            $this->register_action('plugin.backscatter-save', [$this, 'save']);
        }

        if ($this->rc->config->get('backscatter_guard', true)) {
            $this->register_action('plugin.backscatter-refused', [$this, 'refused']);
            $this->add_hook('ready', [$this, 'guard']);
        }
    }

    /**
     * The "Bounces and backscatter" section in Settings
     */
    function settings_actions($args)
    {
        $args['actions'][] = [
            'action' => 'plugin.backscatter',
            'class'  => 'backscatter',
            'label'  => 'sectiontitle',
            'domain' => 'backscatter',
            'title'  => 'sectiondescription',
        ];

        return $args;
    }

    /**
     * The settings page
     */
    function page()
    {
        $this->include_stylesheet($this->local_skin_path() . '/backscatter.css');
        $this->rc->output->set_pagetitle($this->gettext('sectiontitle'));
        $this->register_handler('plugin.body', [$this, 'page_body']);
        $this->rc->output->send('plugin');
    }

    /**
     * Saving the page's choices: the script, then the include
     */
    function save()
    {
        $input = [];
        foreach (['legitimate', 'legitimate_folder', 'bogus', 'unknown', 'unknown_folder'] as $key) {
            $value = rcube_utils::get_input_string("_$key", rcube_utils::INPUT_POST, true);
            if ($value !== null && $value !== '') {
                $input[$key] = $value;
            }
        }

        $result = $this->store_choices($input);
        if ($result === true) {
            $this->rc->output->show_message('backscatter.saved', 'confirmation');
        }
        else {
            $this->rc->output->show_message("backscatter.{$result[0]}", 'error',
                isset($result[1]) ? ['error' => $result[1]] : null);
        }

        $this->page();
    }

    /**
     * Writes the triage script for the choices $input (as the form names
     * them, without the leading "_") and makes the active set run it.
     * True, or [label, detail] of what went wrong.
     */
    public function store_choices($input)
    {
        $delimiter = $this->delimiter();

        if (!($choices = backscatter_script::validate($input, $error, $delimiter))) {
            return [$error];
        }
        if (!($engine = $this->engine())) {
            return ['noconnection'];
        }
        if (!in_array(backscatter_script::EXTENSION, $engine->extensions(), true)) {
            return ['notoffered'];
        }

        $text = backscatter_script::generate($choices, $this->junk(), $delimiter);

        return $engine->store($this->script_name(), $text,
            $this->rc->config->get('managesieve_script_name') ?: 'roundcube',
            $this->gettext('sectiontitle'));
    }

    /**
     * What the triage script on the server does, in words, one sentence
     * an item; and whether the active set runs it
     */
    public function summary()
    {
        if (!($engine = $this->engine())) {
            return [$this->gettext('noconnection')];
        }

        $delimiter = $this->delimiter();
        $junk      = $this->junk();
        $name      = $this->script_name();
        $text      = $engine->read($name);
        $choices   = $text === null ? null : backscatter_script::parse($text, $junk, $delimiter);
        $active    = $engine->active();
        $items     = [];

        if ($text === null) {
            return [$this->gettext('saynone')];
        }

        if (!$choices) {
            $items[] = $this->gettext(['name' => 'sayedited', 'vars' => ['script' => $name]]);
        }
        else {
            foreach (backscatter_script::describe($choices, $junk, $delimiter) as $say) {
                $items[] = $this->gettext(['name' => $say[0], 'vars' => $say[1]]);
            }
        }

        if ($active === $name) {
            $items[] = $this->gettext(['name' => 'sayactive', 'vars' => ['script' => $name]]);
        }
        else if ($active !== null && backscatter_script::includes((string) $engine->read($active), $name)) {
            $items[] = $this->gettext(['name' => 'sayincluded', 'vars' => ['set' => $active]]);
        }
        else {
            $items[] = $this->gettext('saynotincluded');
        }

        return $items;
    }

    /**
     * The page's content: what the script does now, the choices, and the
     * script itself
     */
    function page_body()
    {
        $out    = '';
        $engine = $this->engine();

        if (!$engine) {
            return $this->frame(html::p(['class' => 'boxerror'], rcube::Q($this->gettext('noconnection'))));
        }
        if (!in_array(backscatter_script::EXTENSION, $engine->extensions(), true)) {
            return $this->frame(html::p(['class' => 'boxwarning'], rcube::Q($this->gettext('notoffered'))));
        }

        $delimiter = $this->delimiter();
        $junk      = $this->junk();
        $name      = $this->script_name();
        $text      = $engine->read($name);
        $choices   = $text === null ? null : backscatter_script::parse($text, $junk, $delimiter);

        $list = '';
        foreach ($this->summary() as $item) {
            $list .= html::tag('li', null, rcube::Q($item));
        }
        $out .= html::tag('fieldset', ['id' => 'backscatter-summary'],
            html::tag('legend', null, rcube::Q($this->gettext('summary')))
            . html::tag('ul', null, $list)
        );

        // The choices
        $choices = $choices ?: backscatter_script::defaults($delimiter);
        $out .= $this->choice_fieldset('legitimate', backscatter_script::LEGITIMATE, $choices,
            ['folder' => 'legitimate_folder', 'reason' => 'legitimate_folder']);
        $out .= $this->choice_fieldset('bogus', backscatter_script::BOGUS, $choices, [],
            ['junk' => $junk]);
        $out .= $this->choice_fieldset('unknown', backscatter_script::UNKNOWN, $choices,
            ['folder' => 'unknown_folder'], ['junk' => $junk]);

        // The script as the server holds it
        if ($text !== null) {
            $out .= html::tag('fieldset', ['id' => 'backscatter-script'],
                html::tag('legend', null, rcube::Q($this->gettext(['name' => 'scripttext', 'vars' => ['script' => $name]])))
                . html::tag('pre', ['id' => 'backscatter-script-text'], rcube::Q($text, 'strict', false))
            );
        }

        $form = $this->rc->output->form_tag([
                'id'     => 'backscatter-form',
                'name'   => 'backscatter-form',
                'method' => 'post',
                'action' => './?_task=settings&_action=plugin.backscatter-save',
            ], $out);

        $button = html::tag('button', [
                'type'  => 'submit',
                'form'  => 'backscatter-form',
                'id'    => 'backscatter-save',
                'class' => 'btn btn-primary submit',
            ], rcube::Q($this->rc->gettext('save')));

        return $this->frame($form, $button);
    }

    /**
     * The guard for Roundcube's filter form ("ready" hook: the user is
     * logged in and the request passed its CSRF check). A request that
     * would have the managesieve plugin rewrite a set from what its
     * parser understood is turned into a refusal when the set requires
     * vnd.backscatter; showing such a set brings a warning.
     */
    function guard($args)
    {
        $action = $args['action'];
        if (strpos((string) $action, 'plugin.managesieve') !== 0) {
            return $args;
        }

        $act  = rcube_utils::get_input_string('_act', rcube_utils::INPUT_GPC);
        $post = ($_SERVER['REQUEST_METHOD'] ?? '') == 'POST';
        $set  = null;

        switch ($action) {
        case 'plugin.managesieve-save':
            // A new set is written from a file or a copy, as text
            if (!$post || !empty($_POST['_newset'])) {
                return $args;
            }
            $write = true;
            break;
        case 'plugin.managesieve-action':
            if (in_array($act, ['delete', 'move', 'act'], true)) {
                $write = true;
            }
            else if ($act === 'list') {
                $write = false;
            }
            else {
                return $args;
            }
            break;
        case 'plugin.managesieve-vacation':
        case 'plugin.managesieve-forward':
            if (!$post) {
                return $args;
            }
            // They write into the active set unless another holds
            // their rule; the active one is what matters here
            $write = true;
            $set   = false;
            break;
        case 'plugin.managesieve':
            $write = false;
            // The Filters page shows the set it is asked for, else the
            // active one (it forgets the one shown last)
            $set = rcube_utils::get_input_string('_set', rcube_utils::INPUT_GET, true) ?: false;
            break;
        default:
            return $args;
        }

        if (!($engine = $this->engine())) {
            return $args;
        }

        if ($set === null) {
            // The set the managesieve engine works on: named in the
            // request, else the one last shown, else the active one
            $set = rcube_utils::get_input_string('_set', rcube_utils::INPUT_GPC, true);
            if ($set === null || $set === '') {
                $set = $_SESSION['managesieve_current'] ?? null;
            }
        }
        if ($set === null || $set === false || $set === '') {
            $set = $engine->active();
        }
        if ($set === null) {
            return $args;
        }

        $text = $engine->read($set);
        if ($text === null || !backscatter_script::form_would_lose_rules($text)) {
            return $args;
        }

        if ($write) {
            $this->refused_set = $set;
            $args['action']    = 'plugin.backscatter-refused';
        }
        else {
            $this->rc->output->show_message('backscatter.formwarning', 'warning',
                ['set' => $set], true, 30);
        }

        return $args;
    }

    /**
     * What the user gets instead of a save that would have lost rules
     */
    function refused()
    {
        $vars = ['set' => (string) $this->refused_set];
        $this->rc->output->show_message('backscatter.formrefused', 'error', $vars, true, 30);

        // The filter list's actions are AJAX requests
        if ($this->rc->output->type == 'js') {
            $this->rc->output->send();
        }

        // The filter form is a page in a frame: the refusal takes its
        // place there
        $text    = $this->gettext(['name' => 'formrefused', 'vars' => $vars]);
        $content = function () use ($text) {
            return html::div(['id' => 'backscatter-refused', 'class' => 'boxerror'],
                rcube::Q($text));
        };
        if (!empty($_REQUEST['_framed'])) {
            $this->rc->output->add_handler('dialogcontent', $content);
            $this->rc->output->send('dialog');
        }
        $this->register_handler('plugin.body', $content);
        $this->rc->output->send('plugin');
    }

    /**
     * One group of radio buttons; $folders maps a choice to the folder
     * field it needs, $vars gives label variables
     */
    private function choice_fieldset($key, $allowed, $choices, $folders = [], $vars = [])
    {
        $rows = '';
        foreach ($allowed as $value) {
            $id    = "backscatter-$key-$value";
            $radio = new html_radiobutton(['name' => "_$key", 'id' => $id, 'value' => $value]);
            $label = html::label($id, rcube::Q($this->gettext(['name' => "choice{$key}{$value}", 'vars' => $vars])));
            $extra = '';
            if (isset($folders[$value]) && $value === array_keys($folders)[0]) {
                $field = $folders[$value];
                $input = new html_inputfield(['name' => "_$field", 'id' => "backscatter-$field",
                    'size' => 30, 'class' => 'form-control backscatter-folder']);
                $extra = ' ' . $input->show($choices[$field]);
            }
            $rows .= html::div(['class' => 'backscatter-choice'],
                $radio->show($choices[$key]) . ' ' . $label . $extra);
        }

        return html::tag('fieldset', ['id' => "backscatter-$key"],
            html::tag('legend', null, rcube::Q($this->gettext("question$key"))) . $rows);
    }

    /** The page's frame, as Roundcube's own settings forms have it */
    private function frame($content, $buttons = '')
    {
        return html::div(['class' => 'formcontainer scroller', 'id' => 'backscatter-page'],
            html::div(['class' => 'formcontent'],
                html::tag('h2', null, rcube::Q($this->gettext('sectiontitle'))) . $content)
            . ($buttons ? html::div(['class' => 'formbuttons'], $buttons) : ''));
    }

    /**
     * The managesieve engine, logged in with the session's credentials,
     * or null when the server cannot be reached
     */
    public function engine()
    {
        if ($this->engine === null) {
            $managesieve = $this->api->get_plugin('managesieve');
            $lib         = $managesieve->home . '/lib/Roundcube/';

            require_once $lib . 'rcube_sieve.php';
            require_once $lib . 'rcube_sieve_script.php';
            require_once $lib . 'rcube_sieve_engine.php';
            require_once $this->home . '/lib/rcube_sieve_backscatter.php';

            $engine       = new rcube_sieve_backscatter($managesieve);
            $this->engine = $engine->open() ? false : $engine;
        }

        return $this->engine ?: null;
    }

    /** The name of the triage script on the server */
    private function script_name()
    {
        return (string) $this->rc->config->get('backscatter_script_name', 'backscatter');
    }

    /** The user's Junk folder */
    private function junk()
    {
        return (string) ($this->rc->config->get('junk_mbox') ?: 'Junk');
    }

    /** The IMAP hierarchy delimiter, as the managesieve plugin writes it */
    private function delimiter()
    {
        if ($replace = $this->rc->config->get('managesieve_replace_delimiter')) {
            return $replace;
        }

        // Known once logged in to IMAP, which the settings task does
        // not do by itself
        $delim = null;
        if ($this->rc->storage_connect()) {
            $delim = $this->rc->get_storage()->get_hierarchy_delimiter();
        }

        return $delim ?: '/';
    }
}

require_once __DIR__ . '/lib/backscatter_script.php';
